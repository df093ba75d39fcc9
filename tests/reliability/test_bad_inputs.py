"""Issue 7.4: bad inputs end in one clear ``error:`` line, a non-zero exit code and no traceback.

Everything runs through ``verifier_eval.cli.main`` in-process (the subprocess paths of an unknown
benchmark and a missing API key are in tests/test_cli_e2e.py).
"""

import gzip
import hashlib
import json
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.model import get_model
from inspect_ai.scorer import match
from inspect_ai.solver import generate
from verifier_eval.tasks.matharena import verifier_task

from tests.fixtures import fixture_answers, fixture_responses
from verifier_eval import cli, records
from verifier_eval.analysis.leaderboard import leaderboard
from verifier_eval.analysis.load import load_answers
from verifier_eval.providers import text_output

RUN_HINT = "produce logs with `verifier-eval run` (or `verifier-eval run --log-dir DIR`)"


class Outcome(NamedTuple):
    code: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


def _cli(capfd: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    capfd.readouterr()
    code = cli.main(list(argv))
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    return Outcome(code, out, err)


def _run_imo(capfd: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> Outcome:
    args = ["run", "--benchmark", "imo_2025", "--limit", "1", "--log-dir", str(tmp_path / "logs")]
    return _cli(capfd, *args, "--no-baselines", "--display", "none", *extra)


# --- unknown model names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        pytest.param(
            "nosuchprovider/x",
            "error: model 'nosuchprovider/x' cannot be used: Model API nosuchprovider of model "
            "'nosuchprovider/x' not recognized.",
            id="unknown-provider",
        ),
        pytest.param(
            "baseline/nope",
            "error: unknown baseline 'nope'; choose one of baseline/zero, baseline/full, "
            "baseline/mean",
            id="unknown-baseline",
        ),
        pytest.param(
            "embedded/nope",
            "error: unknown embedded model 'nope'; the only one is embedded/minilm-opc",
            id="unknown-embedded",
        ),
        pytest.param(
            "replay/x",
            "error: replay models need -M responses=<json file of proof -> answer>",
            id="replay-without-responses",
        ),
    ],
)
def test_unknown_model_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, model: str, expected: str
) -> None:
    result = _run_imo(capfd, tmp_path, "--model", model)
    assert result.code == 2
    [line] = result.errors
    # A prefix: the unknown-provider line is to gain a hint (see the next test).
    assert line.startswith(expected.removesuffix("."))
    assert not (tmp_path / "logs").exists()


def test_unknown_provider_says_what_to_use(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = _run_imo(capfd, tmp_path, "--model", "nosuchprovider/x")
    [line] = result.errors
    assert "embedded/minilm-opc" in line


# --- corrupt bundled data --------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the bundled data folder that the loaders read instead of the package's.

    ``tasks/matharena.py`` imported ``DATA_DIR`` by name, so both modules are patched.
    """
    folder = tmp_path / "data"
    folder.mkdir()
    for path in records.DATA_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    monkeypatch.setattr(records, "DATA_DIR", folder)
    monkeypatch.setattr("verifier_eval.tasks.matharena.DATA_DIR", folder)
    return folder


IMO_SNAPSHOT = "matharena_imo_2025.jsonl.gz"


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _manifest_matches(folder: Path, name: str) -> None:
    """Rewrite the manifest entry of ``name`` to the file's current sha256."""
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    manifest[name]["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "MANIFEST.json").write_text(json.dumps(manifest))


def test_snapshot_with_wrong_sha256_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, data_copy: Path
) -> None:
    _truncate(data_copy / IMO_SNAPSHOT)
    digest = hashlib.sha256((data_copy / IMO_SNAPSHOT).read_bytes()).hexdigest()
    result = _run_imo(capfd, tmp_path, "--model", "baseline/zero")
    assert result.code == 2
    assert result.errors == [
        f"error: snapshot {IMO_SNAPSHOT} is corrupt or was modified (sha256 {digest[:12]}..., "
        "expected 99acf64d96f4...); reinstall verifier_eval or rebuild it with "
        "scripts/build_snapshots.py"
    ]


def test_truncated_snapshot_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, data_copy: Path
) -> None:
    """A truncated gzip that passes the checksum (manifest rebuilt from it) still fails cleanly."""
    _truncate(data_copy / IMO_SNAPSHOT)
    _manifest_matches(data_copy, IMO_SNAPSHOT)
    result = _run_imo(capfd, tmp_path, "--model", "baseline/zero")
    assert result.code == 2
    [line] = result.errors
    assert line.startswith(f"error: {IMO_SNAPSHOT}: cannot be read (")
    assert line.endswith("the file is truncated or corrupt")


def test_snapshot_with_a_broken_line_names_the_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, data_copy: Path
) -> None:
    path = data_copy / IMO_SNAPSHOT
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines[2] = lines[2][: len(lines[2]) // 2]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    _manifest_matches(data_copy, IMO_SNAPSHOT)
    result = _run_imo(capfd, tmp_path, "--model", "baseline/zero")
    assert result.code == 2
    [line] = result.errors
    assert line.startswith(f"error: {IMO_SNAPSHOT} line 3: not valid JSON (")


def test_missing_snapshot_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, data_copy: Path
) -> None:
    (data_copy / IMO_SNAPSHOT).unlink()
    result = _run_imo(capfd, tmp_path, "--model", "baseline/zero")
    assert result.code == 2
    assert result.errors == [
        f"error: snapshot {data_copy / IMO_SNAPSHOT} is missing; reinstall verifier_eval"
    ]


def test_corrupt_manifest_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, data_copy: Path
) -> None:
    (data_copy / "MANIFEST.json").write_text("{not json")
    result = _run_imo(capfd, tmp_path, "--model", "baseline/zero")
    assert result.code == 2
    [line] = result.errors
    assert "MANIFEST.json" in line and "reinstall verifier_eval" in line


# --- a lab's own dataset with missing fields ---------------------------------------------------

_ROW = {"problem_id": "p1", "problem": "Show 1+1=2.", "proof": "By definition.", "generator": "m"}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param(
            "rows.jsonl",
            json.dumps({**_ROW, "human_points": 7, "max_points": 7})
            + "\n"
            + json.dumps({k: v for k, v in _ROW.items() if k != "proof"} | {"human_points": 0})
            + "\n",
            "error: rows.jsonl line 2: field 'proof' is empty",
            id="row-without-proof",
        ),
        pytest.param(
            "columns.jsonl",
            json.dumps({k: v for k, v in _ROW.items() if k != "proof"} | {"human_points": 7})
            + "\n",
            "error: columns.jsonl: missing columns ['proof']; found ['generator', 'human_points', "
            "'problem', 'problem_id'] (map names with columns=ours=theirs,...)",
            id="no-proof-column",
        ),
        pytest.param(
            "short.csv",
            "problem_id,problem,proof,generator,human_points,max_points\np1,Show,x,m,7\n",
            "error: short.csv line 2: field 'max_points' is missing (required with human_points)",
            id="csv-row-too-short",
        ),
        pytest.param(
            "grade.jsonl",
            json.dumps({**_ROW, "human_points": "seven", "max_points": 7}) + "\n",
            "error: grade.jsonl line 1: field 'human_points' is not a number ('seven')",
            id="grade-not-a-number",
        ),
    ],
)
def test_dataset_row_with_missing_fields_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = _cli(
        capfd, "run", "--dataset", str(path), "--model", "baseline/zero", "--no-baselines",
        "--log-dir", str(tmp_path / "logs"),
    )  # fmt: skip
    assert result.code == 2
    assert result.errors == [expected]


# --- log directories ---------------------------------------------------------------------------

ANALYSES = ("leaderboard", "bias", "bon")


@pytest.mark.parametrize("command", ANALYSES)
@pytest.mark.parametrize("kind", ["empty", "missing"])
def test_empty_log_dir_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, command: str, kind: str
) -> None:
    log_dir = tmp_path / "logs"
    if kind == "empty":
        log_dir.mkdir()
    result = _cli(capfd, command, "--log-dir", str(log_dir))
    assert result.code == 2
    assert result.errors == [f"error: no eval logs in '{log_dir}'; {RUN_HINT}"]


@pytest.fixture(scope="module")
def foreign_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Logs of an unrelated inspect task (exact-match scorer, mockllm with explicit usage)."""
    log_dir = tmp_path_factory.mktemp("foreign")
    task = Task(dataset=[Sample(input="Say x.", target="x")], solver=generate(), scorer=match())
    model = get_model("mockllm/model", custom_outputs=[text_output("mockllm/model", "x")])
    [log] = inspect_eval(task, model=model, log_dir=str(log_dir), display="none")
    assert log.status == "success"
    return log_dir


@pytest.fixture(scope="module")
def fixture_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One finished verifier_eval run of the hand-built fixture (tests/fixtures.py)."""
    log_dir = tmp_path_factory.mktemp("fixture")
    task = verifier_task(
        fixture_answers(), name="fixture", version="1.0", prompt="seed", failure_policy="zero"
    )
    model = get_model("replay/fixture", responses=fixture_responses())
    [log] = inspect_eval(task, model=model, log_dir=str(log_dir), display="none")
    assert log.status == "success"
    return log_dir


@pytest.mark.parametrize("command", ANALYSES)
def test_foreign_log_dir_is_one_line(
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    foreign_logs: Path,
    command: str,
) -> None:
    result = _cli(capfd, command, "--log-dir", str(foreign_logs))
    assert result.code == 2
    assert result.errors == [
        f"error: no finished verifier_eval logs in '{foreign_logs}'; {RUN_HINT}"
    ]
    # The warning says why the directory does not count (pytest captures logging records).
    assert "ignored 1 log(s)" in caplog.text and "not verifier_eval runs" in caplog.text


def test_foreign_logs_beside_ours_are_ignored(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, foreign_logs: Path, fixture_logs: Path
) -> None:
    for folder in (foreign_logs, fixture_logs):
        for log in folder.glob("*.eval"):
            shutil.copy(log, tmp_path / log.name)
    result = _cli(capfd, "leaderboard", "--log-dir", str(tmp_path), "--format", "csv")
    assert result.code == 0
    assert result.errors == []
    assert "replay/fixture" in result.stdout
    assert "mockllm" not in result.stdout


@pytest.mark.parametrize("command", ANALYSES)
def test_benchmark_filter_without_runs_is_one_line(
    capfd: pytest.CaptureFixture[str], fixture_logs: Path, command: str
) -> None:
    result = _cli(capfd, command, "--log-dir", str(fixture_logs), "--benchmark", "nope")
    assert result.code == 2
    [line] = result.errors
    assert "nope" in line and "fixture" in line


# --- logs of another task version mixed in ------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_versions(tmp_path_factory: pytest.TempPathFactory, fixture_logs: Path) -> Path:
    """The fixture run, and a copy of it posing as an older run of task version 0.9.

    The copy gets its own eval/run ids and sample uuids (a real second run has them; inspect's
    ``samples_df`` keeps one of two samples with the same uuid) and starts a day earlier.
    """
    log_dir = tmp_path_factory.mktemp("versions")
    [source] = fixture_logs.glob("*.eval")
    shutil.copy(source, log_dir / source.name)
    log = read_eval_log(str(source))
    log.eval.task_version = "0.9"
    log.eval.eval_id = uuid.uuid4().hex
    log.eval.run_id = uuid.uuid4().hex
    log.eval.created = (datetime.fromisoformat(log.eval.created) - timedelta(days=1)).isoformat()
    for sample in log.samples or []:
        sample.uuid = uuid.uuid4().hex
    write_eval_log(log, str(log_dir / "older-version.eval"))
    return log_dir


def test_versions_are_separate_runs(mixed_versions: Path) -> None:
    frame = load_answers(str(mixed_versions))
    assert sorted(frame["task_version"].unique()) == ["0.9", "1.0"]
    board = leaderboard(frame, n_boot=0)
    replay = board.loc[board["verifier"] == "replay/fixture"]
    assert sorted(replay["task_version"]) == ["0.9", "1.0"]
    # Same answers, same verdicts: both versions have the fixture's hand-computed 1.5.
    assert list(replay["total_score_difference"]) == pytest.approx([1.5, 1.5])


def test_leaderboard_text_keeps_versions_apart_and_says_so(
    capfd: pytest.CaptureFixture[str], mixed_versions: Path
) -> None:
    result = _cli(capfd, "leaderboard", "--log-dir", str(mixed_versions))
    assert result.code == 0
    blocks = result.stdout.strip().split("\n\n")
    titles = [b.splitlines()[0] for b in blocks if "replay/fixture" in b]
    assert len(titles) == 2
    assert any("task version 0.9" in t and "1.0" not in t for t in titles)
    assert any("task version 1.0" in t and "0.9" not in t for t in titles)
    assert "not comparable" in result.stdout + result.stderr


def test_stress_task_rejects_unknown_benchmark_and_probe() -> None:
    from verifier_eval.tasks.stress.stress import build_stress_task

    from verifier_eval.errors import ConfigError

    with pytest.raises(ConfigError) as unknown:
        build_stress_task("nope", {})
    assert str(unknown.value) == (
        "the stress task cannot use benchmark 'nope'; choose one of ['imo_2025', 'opc', "
        "'usamo_2025']"
    )
    with pytest.raises(ConfigError) as probe:
        build_stress_task("imo_2025", {"probes": "original,nope"})
    assert str(probe.value).startswith("unknown probe(s) ['nope']; choose from ['all', 'original'")
    with pytest.raises(ConfigError) as argument:
        build_stress_task("imo_2025", {"limit": "3"})
    assert str(argument.value).startswith("stress: ")
    assert "limit" in str(argument.value)
