"""``verifier-eval train <command> key=value ...``: build-data, gspo, rft, score-checkpoint.

Each command's options are the fields of one typed config (``BuildDataConfig``, ``GSPOConfig``,
``RFTConfig``, ``ScoreConfig``); ``key=value`` pairs are validated by pydantic, list fields take
comma-separated values (``exclude=usamo_2025,imo_2025``; ``exclude=`` for an empty list), and
``verifier-eval train <command> --help`` lists the fields with their defaults.
"""

import asyncio
import difflib
import enum
import json
import sys
import typing
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from verifier_eval.errors import ConfigError, VerifierEvalError
from verifier_eval.train.build_data import BuildDataConfig, build_data
from verifier_eval.train.rft import RFTConfig, prepare_rft, submit_rft
from verifier_eval.train.score import format_command, score_checkpoint_async, score_command
from verifier_eval.train.train import GSPOConfig, train

ConfigT = TypeVar("ConfigT", bound=BaseModel)


class ScoreConfig(BaseModel):
    """Configuration of ``verifier-eval train score-checkpoint``."""

    model_config = ConfigDict(extra="forbid")

    model_path: str
    """The ``tinker://`` sampler path of the checkpoint."""
    base_model: str = "Qwen/Qwen3-8B"
    benchmarks: list[str] = ["usamo_2025", "imo_2025"]
    log_dir: str = "logs"
    limit: int | None = None
    print_only: bool = False
    """Print the ``inspect eval`` commands instead of running them."""


def _is_list(annotation: object) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def parse_overrides(model: type[ConfigT], argv: Sequence[str]) -> ConfigT:
    """Build a config from ``key=value`` arguments.

    Raises:
        ConfigError: For a malformed argument, an unknown key (with the closest known one) or an
            invalid value (naming the field).
    """
    values: dict[str, object] = {}
    fields = model.model_fields
    for arg in argv:
        key, sep, raw = arg.partition("=")
        key = key.strip().lstrip("-").replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"expected key=value, got {arg!r}")
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown option {key!r}{hint} (known: {', '.join(fields)})")
        if _is_list(fields[key].annotation):
            values[key] = [v.strip() for v in raw.split(",") if v.strip()]
        elif raw.lower() in ("none", "null") and not fields[key].is_required():
            values[key] = None
        else:
            values[key] = raw
    try:
        return model.model_validate(values)
    except ValidationError as ex:
        err = ex.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "config"
        raise ConfigError(f"option {field!r}: {err['msg']}") from ex


def _help(model: type[BaseModel]) -> str:
    lines = [f"options ({model.__name__}):"]
    for name, field in model.model_fields.items():
        value = field.get_default(call_default_factory=True)
        shown = value.value if isinstance(value, enum.Enum) else value
        default = "(required)" if field.is_required() else repr(shown)
        lines.append(f"  {name}={default}")
    return "\n".join(lines)


def _build_data(argv: Sequence[str]) -> int:
    result = build_data(parse_overrides(BuildDataConfig, argv))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(result.model_dump(), indent=2))
    return 0


def _gspo(argv: Sequence[str]) -> int:
    result = train(parse_overrides(GSPOConfig, argv))
    last = result.metrics[-1]
    print(
        f"{len(result.metrics)} steps; last reward {last.reward_mean:.3f}, format rate "
        f"{last.format_rate:.2f}; metrics in {result.log_dir}/metrics.jsonl; "
        f"checkpoints: {', '.join(result.checkpoints)}"
    )
    return 0


def _rft(argv: Sequence[str]) -> int:
    config = parse_overrides(RFTConfig, argv)
    files = prepare_rft(config)
    if config.dry_run:
        print(f"# wrote {files.train_path}, {files.validation_path}, {files.grader_path}")
        print("# after uploading both files (purpose=fine-tune), the request would be:")
        print("client.fine_tuning.jobs.create(**" + json.dumps(files.request, indent=2) + ")")
        return 0
    print(f"submitted fine-tuning job {submit_rft(files, config)}")
    return 0


def _score(argv: Sequence[str]) -> int:
    config = parse_overrides(ScoreConfig, argv)
    for benchmark in config.benchmarks:
        argv_eval = score_command(benchmark, config.base_model, config.model_path, config.log_dir)
        print(format_command(argv_eval))
        if not config.print_only:
            asyncio.run(
                score_checkpoint_async(
                    benchmark, config.base_model, config.model_path, config.log_dir, config.limit
                )
            )
    return 0


COMMANDS: dict[str, tuple[type[BaseModel], Callable[[Sequence[str]], int]]] = {
    "build-data": (BuildDataConfig, _build_data),
    "gspo": (GSPOConfig, _gspo),
    "rft": (RFTConfig, _rft),
    "score-checkpoint": (ScoreConfig, _score),
}


def main(argv: list[str]) -> int:
    """Run ``verifier-eval train <command> key=value ...``; user errors print one line, exit 2."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(
            f"usage: verifier-eval train {{{','.join(COMMANDS)}}} key=value ... "
            "(--help per command)"
        )
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(
            f"error: unknown train command {command!r}; use one of {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    model, run = COMMANDS[command]
    if any(a in ("-h", "--help") for a in rest):
        print(_help(model))
        return 0
    try:
        return run(rest)
    except VerifierEvalError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 2
