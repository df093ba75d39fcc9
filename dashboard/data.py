"""The dashboard's only data loaders: eval logs in, cached DataFrames and sample texts out.

Every analysis goes through :mod:`verifier_eval.analysis` (the CLI's code), so the dashboard and
``verifier-eval leaderboard`` cannot disagree. The cached functions take hashable ``str``
arguments: the log directory and a *fingerprint* of its files (names, sizes, modification times),
so a new or rewritten log invalidates the cache on the next rerun without a restart, while an
unchanged directory is read once per server.

The only path that reaches the log reader from the user interface is the log location of a
sample; :func:`safe_log_path` checks that it lies inside the log directory before anything is
opened.
"""

import os
import posixpath
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse

import pandas as pd
import streamlit as st
from inspect_ai.log import read_eval_log, read_eval_log_sample
from inspect_ai.model import ContentReasoning
from verifier_eval.dashboard import LOG_DIR_ENV

from verifier_eval.analysis.best_of_n import best_of_n
from verifier_eval.analysis.calibration import (
    calibration_data,
    calibration_summary,
    reliability_table,
)
from verifier_eval.analysis.leaderboard import leaderboard
from verifier_eval.analysis.load import load_answers, with_human_ceiling
from verifier_eval.analysis.self_preference import (
    self_preference_contrasts,
    self_preference_matrix,
)
from verifier_eval.errors import VerifierEvalError
from verifier_eval.shards import record_logs

DEFAULT_LOG_DIR = "logs"
LOG_SUFFIXES = (".eval", ".json")
N_BOOT = 1000
"""Bootstrap resamples of the dashboard's intervals (the CLI's default)."""


class UnsafeLogPathError(VerifierEvalError):
    """A log location that is not a log file inside the log directory."""


class VerifierOutput(NamedTuple):
    """One epoch of a verifier's answer to one sample."""

    epoch: int
    text: str
    """The completion: the text the verdict parser read."""
    reasoning: str
    """Reasoning blocks of the model's message (empty for models without them)."""
    stop_reason: str


class SampleTexts(NamedTuple):
    """What the tidy table lacks about one sample in one log: the texts."""

    problem: str
    proof: str
    judge_points: tuple[float, ...]
    judge_comments: tuple[str, ...]
    outputs: tuple[VerifierOutput, ...]


def default_log_dir() -> str:
    """The log directory given by the launcher (``VERIFIER_EVAL_LOG_DIR``), else ``logs``."""
    return os.environ.get(LOG_DIR_ENV) or DEFAULT_LOG_DIR


def _is_url(location: str) -> bool:
    scheme = urlparse(location).scheme
    # A one-letter scheme is a Windows drive ("C:\logs"), not a URL.
    return len(scheme) > 1 and scheme != "file"


def _local(location: str) -> Path:
    if location.startswith("file://"):
        return Path(unquote(urlparse(location).path))
    return Path(location)


def safe_log_path(log_dir: str, log: str) -> str:
    """Check that ``log`` is an eval log file inside ``log_dir`` and return it.

    Local paths are compared after resolving symbolic links and ``..``; remote (fsspec) URLs must
    have the directory's scheme and start with its normalised path, with no ``..`` segment.

    Args:
        log_dir: The log directory (path or URL).
        log: A log location, typically the ``log`` column of the answers table.

    Returns:
        The location to open: an absolute local path, or the URL unchanged.

    Raises:
        UnsafeLogPathError: When ``log`` is outside ``log_dir`` or not an eval log file.
    """
    if not log.endswith(LOG_SUFFIXES):
        raise UnsafeLogPathError(f"{log!r} is not an eval log file ({', '.join(LOG_SUFFIXES)})")
    if _is_url(log_dir) or _is_url(log):
        root, target = urlparse(log_dir), urlparse(log)
        root_path = posixpath.normpath(root.netloc + "/" + root.path.lstrip("/"))
        target_path = posixpath.normpath(target.netloc + "/" + target.path.lstrip("/"))
        inside = target_path.startswith(root_path.rstrip("/") + "/")
        if root.scheme != target.scheme or ".." in target.path.split("/") or not inside:
            raise UnsafeLogPathError(f"{log!r} is not inside the log directory {log_dir!r}")
        return log
    root_dir = _local(log_dir).resolve()
    path = _local(log)
    resolved = (path if path.is_absolute() else root_dir / path).resolve()
    if not resolved.is_relative_to(root_dir) or not resolved.is_file():
        raise UnsafeLogPathError(f"{log!r} is not a log file inside the log directory {log_dir!r}")
    return str(resolved)


def fingerprint(log_dir: str) -> str:
    """Names, sizes and modification times of the eval logs under ``log_dir`` (cache key).

    Raises:
        VerifierEvalError: When the directory cannot be listed.
    """
    if not _is_url(log_dir) and not _local(log_dir).is_dir():
        raise VerifierEvalError(
            f"the log directory {log_dir!r} does not exist; produce logs with `verifier-eval run "
            f"--log-dir {log_dir}`"
        )
    try:
        infos = record_logs(log_dir)
    except (OSError, ValueError) as ex:
        raise VerifierEvalError(f"cannot list eval logs in {log_dir!r}: {ex}") from ex
    return "\n".join(f"{i.name}\t{i.size}\t{i.mtime}" for i in sorted(infos, key=lambda i: i.name))


@st.cache_data(show_spinner="Reading eval logs...", max_entries=4)
def _answers(log_dir: str, files: str) -> pd.DataFrame:
    del files  # part of the cache key only
    return with_human_ceiling(load_answers(log_dir))


@st.cache_data(show_spinner="Computing the leaderboard...", max_entries=4)
def _leaderboard(log_dir: str, files: str) -> pd.DataFrame:
    return leaderboard(_answers(log_dir, files), n_boot=N_BOOT)


@st.cache_data(show_spinner="Auditing self-preference...", max_entries=4)
def _self_preference(log_dir: str, files: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _answers(log_dir, files)
    matrix = self_preference_matrix(frame, n_boot=N_BOOT)
    contrasts = self_preference_contrasts(frame, n_boot=N_BOOT)
    return matrix, contrasts


@st.cache_data(show_spinner="Computing Best-of-N...", max_entries=4)
def _best_of_n(log_dir: str, files: str) -> pd.DataFrame:
    return best_of_n(_answers(log_dir, files))


@st.cache_data(show_spinner="Computing calibration...", max_entries=8)
def _calibration(
    log_dir: str, files: str, threshold: float | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = _answers(log_dir, files)
    return (
        calibration_data(frame, threshold=threshold),
        reliability_table(frame, threshold=threshold),
        calibration_summary(frame, threshold=threshold),
    )


def answers(log_dir: str) -> pd.DataFrame:
    """The tidy answers table of ``log_dir`` with the human ceiling appended.

    Raises:
        VerifierEvalError: When there are no verifier_eval logs (the message says how to make
            some) or a log cannot be read.
    """
    return _answers(log_dir, fingerprint(log_dir))


def leaderboard_table(log_dir: str) -> pd.DataFrame:
    """:func:`verifier_eval.analysis.leaderboard.leaderboard` of every run in ``log_dir``."""
    return _leaderboard(log_dir, fingerprint(log_dir))


def self_preference(log_dir: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Self-preference matrix and contrasts (per run and pooled over benchmarks)."""
    return _self_preference(log_dir, fingerprint(log_dir))


def best_of_n_table(log_dir: str) -> pd.DataFrame:
    """:func:`verifier_eval.analysis.best_of_n.best_of_n` of every run in ``log_dir``."""
    return _best_of_n(log_dir, fingerprint(log_dir))


def calibration(
    log_dir: str, threshold: float | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Calibration inputs, reliability-curve points and summary (AUROC, Brier, ECE) per run.

    Args:
        log_dir: Log directory.
        threshold: Human points counted as full credit (``None``: the maximum).

    Returns:
        ``calibration_data`` rows (with ``probability`` and ``label``), ``reliability_table``
        and ``calibration_summary`` of every run.
    """
    return _calibration(log_dir, fingerprint(log_dir), threshold)


def _reasoning(content: object) -> str:
    if not isinstance(content, list):
        return ""
    parts = []
    for item in content:
        if isinstance(item, ContentReasoning):
            # Providers that encrypt reasoning return only a summary, if anything.
            text = (item.summary or "(reasoning redacted by the provider)") if item.redacted else ""
            parts.append(text or item.reasoning)
    return "\n\n".join(p for p in parts if p)


@st.cache_data(max_entries=16)
def _epochs(path: str, files: str) -> int:
    del files  # part of the cache key only
    header = read_eval_log(path, header_only=True)
    return int(header.eval.config.epochs or 1)


@st.cache_data(show_spinner="Reading the sample...", max_entries=256)
def _sample_texts(path: str, sample_id: str, files: str) -> SampleTexts:
    outputs = []
    problem = proof = ""
    judge_points: tuple[float, ...] = ()
    judge_comments: tuple[str, ...] = ()
    for epoch in range(1, _epochs(path, files) + 1):
        sample = read_eval_log_sample(
            path, id=sample_id, epoch=epoch, resolve_attachments=True, exclude_fields={"events"}
        )
        if epoch == 1:
            meta = sample.metadata or {}
            problem = str(meta.get("problem") or "")
            proof = sample.input if isinstance(sample.input, str) else ""
            judge_points = tuple(float(p) for p in meta.get("judge_points") or [])
            judge_comments = tuple(str(c or "") for c in meta.get("judge_comments") or [])
        choice = sample.output.choices[0] if sample.output.choices else None
        content = choice.message.content if choice else ""
        outputs.append(
            VerifierOutput(
                epoch=epoch,
                text=sample.output.completion,
                reasoning=_reasoning(content),
                stop_reason=str(choice.stop_reason) if choice else "",
            )
        )
    return SampleTexts(problem, proof, judge_points, judge_comments, tuple(outputs))


def sample_texts(log_dir: str, log: str, sample_id: str) -> SampleTexts:
    """Problem, proof, judges' comments and the verifier's full output for one sample of one log.

    Only the selected sample is read (every epoch of it), without its event transcript.

    Args:
        log_dir: Log directory.
        log: The sample's log (``log`` column of the answers table); must lie in ``log_dir``.
        sample_id: The sample id (``problem_id/generator/answer_index``).

    Raises:
        UnsafeLogPathError: When ``log`` is not a log file inside ``log_dir``.
    """
    path = safe_log_path(log_dir, log)
    return _sample_texts(path, sample_id, fingerprint(log_dir))


def clear() -> None:
    """Forget every cached table (the sidebar's reload button)."""
    st.cache_data.clear()
