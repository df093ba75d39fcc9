"""The dashboard's loaders: fixture logs in, tables and sample texts out; paths stay inside."""

import shutil
from pathlib import Path

import pytest
from verifier_eval.dashboard import LOG_DIR_ENV, data

from verifier_eval.errors import VerifierEvalError

VERIFIERS = {
    "baseline/zero",
    "baseline/full",
    "baseline/mean",
    "embedded/minilm-opc",
    "replay/synthetic-hash",
    "replay/synthetic-gpt-like",
    "human/judge-1-vs-judge-2",
}


def test_fixture_logs_hold_every_verifier_on_both_benchmarks(fixture_logs: Path) -> None:
    answers = data.answers(str(fixture_logs))
    runs = answers.groupby("benchmark")["verifier"].unique()
    assert {b: set(v) for b, v in runs.items()} == {
        "usamo_2025": VERIFIERS,
        "imo_2025": VERIFIERS,
    }
    per_run = answers.groupby(["benchmark", "verifier"]).size()
    assert set(per_run.loc["usamo_2025"]) == {48}  # 4 generators x 3 problems x 4 answers
    assert set(per_run.loc["imo_2025"]) == {36}  # 3 x 3 x 4
    # The fixture logs are small enough to commit.
    assert sum(p.stat().st_size for p in fixture_logs.glob("*.eval")) < 6_000_000


def test_loaders_return_the_analysis_tables(fixture_logs: Path) -> None:
    log_dir = str(fixture_logs)
    board = data.leaderboard_table(log_dir)
    assert set(board["verifier"]) == VERIFIERS
    matrix, contrasts = data.self_preference(log_dir)
    assert {"own", "family", "other"} >= set(matrix["relation"])
    assert "family" in set(matrix["relation"])  # replay/synthetic-gpt-like vs o3, o4-mini
    assert "all" in set(contrasts["benchmark"])
    bon = data.best_of_n_table(log_dir)
    assert bon["n"].max() == 4
    rows, curves, summary = data.calibration(log_dir, threshold=3.5)
    assert {"probability", "label"} <= set(rows.columns)
    assert not curves.empty and not summary.empty


def test_sample_texts_read_problem_proof_judges_and_output(fixture_logs: Path) -> None:
    log_dir = str(fixture_logs)
    answers = data.answers(log_dir)
    row = answers.loc[
        (answers["verifier"] == "replay/synthetic-gpt-like")
        & (answers["benchmark"] == "usamo_2025")
    ].iloc[0]
    texts = data.sample_texts(log_dir, row["log"], row["sample_id"])
    assert "SYNTHETIC VERIFIER OUTPUT" in texts.outputs[0].text
    assert f"Confidence: {round(row['confidence'])}" in texts.outputs[0].text
    assert len(texts.proof) > 200
    assert len(texts.problem) > 50
    assert texts.judge_points == (row["judge_1_points"], row["judge_2_points"])
    assert len(texts.judge_comments) == 2 and all(texts.judge_comments)


def test_missing_or_empty_log_directory_says_how_to_make_logs(tmp_path: Path) -> None:
    with pytest.raises(VerifierEvalError, match="verifier-eval run"):
        data.answers(str(tmp_path / "nope"))
    with pytest.raises(VerifierEvalError, match="verifier-eval run"):
        data.answers(str(tmp_path))


def test_a_new_log_changes_the_fingerprint(fixture_logs: Path, tmp_path: Path) -> None:
    first = next(iter(sorted(fixture_logs.glob("*.eval"))))
    shutil.copy(first, tmp_path / first.name)
    before = data.fingerprint(str(tmp_path))
    second = next(iter(sorted(fixture_logs.glob("*.eval"), reverse=True)))
    shutil.copy(second, tmp_path / second.name)
    assert data.fingerprint(str(tmp_path)) != before


@pytest.mark.parametrize(
    "log",
    [
        "../outside.eval",
        "sub/../../outside.eval",
        "/etc/passwd",
        "file:///etc/passwd",
        "s3://bucket/logs/run.eval",
    ],
)
def test_paths_outside_the_log_directory_are_rejected(tmp_path: Path, log: str) -> None:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    (tmp_path / "outside.eval").write_text("x")
    with pytest.raises(data.UnsafeLogPathError):
        data.safe_log_path(str(log_dir), log)
    with pytest.raises(data.UnsafeLogPathError):
        data.sample_texts(str(log_dir), log, "1/x/0")


def test_symlinks_out_of_the_log_directory_are_rejected(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    secret = tmp_path / "secret.eval"
    secret.write_text("x")
    (log_dir / "link.eval").symlink_to(secret)
    with pytest.raises(data.UnsafeLogPathError):
        data.safe_log_path(str(log_dir), str(log_dir / "link.eval"))


def test_only_eval_log_files_are_opened(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(data.UnsafeLogPathError, match="not an eval log"):
        data.safe_log_path(str(tmp_path), str(tmp_path / "notes.txt"))
    with pytest.raises(data.UnsafeLogPathError):
        data.safe_log_path(str(tmp_path), str(tmp_path / "missing.eval"))


def test_log_files_inside_the_directory_are_accepted(fixture_logs: Path) -> None:
    log = next(iter(fixture_logs.glob("*.eval")))
    assert data.safe_log_path(str(fixture_logs), str(log)) == str(log.resolve())
    assert data.safe_log_path(str(fixture_logs), log.name) == str(log.resolve())
    assert data.safe_log_path(str(fixture_logs), log.as_uri()) == str(log.resolve())


def test_remote_logs_must_share_the_directory_prefix() -> None:
    root = "s3://bucket/logs"
    assert data.safe_log_path(root, "s3://bucket/logs/a/run.eval") == "s3://bucket/logs/a/run.eval"
    for bad in (
        "s3://bucket/logs-other/run.eval",
        "s3://bucket/logs/../secrets/run.eval",
        "s3://other/logs/run.eval",
        "gs://bucket/logs/run.eval",
    ):
        with pytest.raises(data.UnsafeLogPathError):
            data.safe_log_path(root, bad)


def test_default_log_dir_comes_from_the_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOG_DIR_ENV, "/some/where")
    assert data.default_log_dir() == "/some/where"
    monkeypatch.delenv(LOG_DIR_ENV)
    assert data.default_log_dir() == "logs"
