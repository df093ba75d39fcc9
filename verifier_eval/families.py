"""Model families: which generator (or verifier) models belong together for self-preference audits.

The mapping is data: an ordered list of (pattern, family) rules matched case-insensitively against a
model's display name and its provider string (e.g. ``o3 (high)`` / ``openai/o3``). The first rule
that matches wins. Users override it per name with an explicit mapping, which always takes priority.
"""

import json
import re
from pathlib import Path
from typing import NamedTuple

from verifier_eval.errors import ConfigError


class FamilyRule(NamedTuple):
    pattern: str
    family: str


DEFAULT_FAMILY_RULES: tuple[FamilyRule, ...] = (
    FamilyRule(r"\bgpt|\bo[1-9]\b|\bo[1-9][-_ ]|openai", "openai"),
    FamilyRule(r"gemini|gemma|google", "google"),
    FamilyRule(r"grok|xai", "xai"),
    FamilyRule(r"deepseek", "deepseek"),
    FamilyRule(r"claude|anthropic", "anthropic"),
    FamilyRule(r"qwq|qwen", "qwen"),
    FamilyRule(r"llama|meta", "meta"),
    FamilyRule(r"mistral|magistral", "mistral"),
    FamilyRule(r"kimi|moonshot", "moonshot"),
)
UNKNOWN_FAMILY = "other"


def model_family(
    *names: str | None,
    overrides: dict[str, str] | None = None,
    rules: tuple[FamilyRule, ...] = DEFAULT_FAMILY_RULES,
) -> str:
    """Return the family of a model given any of its names.

    Args:
        *names: Display name, provider string, inspect model name, ...; the first one found in
            ``overrides`` decides, otherwise the first rule matching any name.
        overrides: Explicit ``{name: family}`` entries, checked before the rules.
        rules: Ordered pattern rules.

    Returns:
        The family, or ``"other"`` when nothing matches.
    """
    candidates = [n for n in names if n]
    for name in candidates:
        if overrides and name in overrides:
            return overrides[name]
    for rule in rules:
        for name in candidates:
            # Inspect model names carry the provider prefix ("openai/ft:o4-mini:..."); the family
            # lives in the model part as well, so both are searched.
            if re.search(rule.pattern, name, flags=re.IGNORECASE):
                return rule.family
    return UNKNOWN_FAMILY


def load_family_overrides(value: str | dict[str, str] | None) -> dict[str, str]:
    """Read family overrides from a dict, a JSON object string or a JSON file path.

    Args:
        value: ``None``, a mapping, ``'{"my-model": "openai"}'`` or a path to such a JSON file.

    Returns:
        The mapping (empty when ``value`` is ``None``).

    Raises:
        ConfigError: When the value is neither a mapping nor readable JSON of strings.
    """
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    text = value
    path = Path(value)
    if not value.lstrip().startswith("{"):
        if not path.is_file():
            raise ConfigError(f"family overrides: {value!r} is neither a JSON object nor a file")
        text = path.read_text("utf-8")
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as ex:
        raise ConfigError(f"family overrides: not valid JSON ({ex.msg} at char {ex.pos})") from ex
    if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
        raise ConfigError('family overrides must be a JSON object like {"model name": "family"}')
    return {str(k): v for k, v in loaded.items()}
