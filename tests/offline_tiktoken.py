"""Seed tiktoken's cache with ``o200k_base`` offline, so ``--model mockllm/model`` runs here.

inspect's mockllm counts tokens with tiktoken's ``o200k_base``, which tiktoken downloads on first
use. The ``quicktok-v1`` package (a dev dependency) ships the same ranks in a binary file; this
rebuilds the exact ``.tiktoken`` text file from it and checks tiktoken's own sha256 before use.
"""

import base64
import hashlib
import importlib.util
import struct
from pathlib import Path

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"


def seed_o200k(cache_dir: Path) -> bool:
    """Write ``o200k_base`` into a tiktoken cache folder; False when quicktok-v1 is missing."""
    spec = importlib.util.find_spec("quicktok")
    if spec is None or spec.origin is None:
        return False
    vocab = Path(spec.origin).parent / "data" / "o200k.vocab"
    data = vocab.read_bytes()
    (count,) = struct.unpack_from("<I", data, 0)
    offset = 4
    ranks: list[tuple[int, bytes]] = []
    for _ in range(count):
        (length,) = struct.unpack_from("<H", data, offset)
        token = data[offset + 2 : offset + 2 + length]
        (rank,) = struct.unpack_from("<I", data, offset + 2 + length)
        offset += 6 + length
        ranks.append((rank, token))
    text = b"".join(base64.b64encode(t) + b" " + str(r).encode() + b"\n" for r, t in sorted(ranks))
    if hashlib.sha256(text).hexdigest() != O200K_SHA256:
        return False
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / hashlib.sha1(O200K_URL.encode()).hexdigest()).write_bytes(text)
    return True
