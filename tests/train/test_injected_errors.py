"""The injected_errors task: offline e2e with mockllm, and the span-overlap scoring."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, ModelUsage, get_model
from inspect_ai.tool import ToolChoice, ToolInfo
from verifier_eval.tasks.injected_errors import injected_errors
from verifier_eval.tasks.injected_errors.scorer import (
    CharSpan,
    extract_error_quote,
    locate,
    span_overlap,
)

from verifier_eval.errors import DataError
from verifier_eval.train.build_data import BuildDataConfig, build_data

CORRECT = "Since $a > b$, we have $a - b > 0$. Hence $2a > 2b$."
INJECTED = "Since $a > b$, we have $a - b > 0$. Hence $2a < 2b$."
SPAN = [INJECTED.index("<"), INJECTED.index("<") + 1]


def _write(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "validation.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _rows() -> list[dict[str, object]]:
    common = {"problem": "Show that $2a > 2b$ when $a > b$.", "problem_id": "toy/1"}
    return [
        {"id": "p#correct", "proof": CORRECT, "target": 100, **common},
        {"id": "p#reversed_inequality", "proof": INJECTED, "target": 0, "error_span": SPAN,
         "error_type": "reversed_inequality", **common},
    ]  # fmt: skip


def _verifier(
    input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
) -> ModelOutput:
    """Right on both proofs; quotes '$2a < 2b$' (9 characters around the 1-character span)."""
    prompt = input[-1].text
    if "2a < 2b" in prompt:
        text = "The last step is wrong.\n<error>$2a < 2b$</error>\nConfidence: 10"
    else:
        text = "All steps follow.\n<error>none</error>\nConfidence: 90"
    output = ModelOutput.from_content("mockllm/model", text)
    # Without usage, inspect counts tokens with a tokenizer it downloads.
    output.usage = ModelUsage(input_tokens=100, output_tokens=20, total_tokens=120)
    return output


def test_e2e_metrics_with_mockllm(tmp_path: Path) -> None:
    path = _write(tmp_path, _rows())
    model = get_model("mockllm/model", custom_outputs=_verifier, memoize=False)
    [log] = eval(
        injected_errors(data_file=str(path)),
        model=model,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success" and log.results is not None
    metrics = {name: m.value for s in log.results.scores for name, m in s.metrics.items()}
    assert metrics["format_rate"] == 1.0
    assert metrics["verdict_accuracy"] == 1.0
    assert metrics["brier"] == pytest.approx((0.01 + 0.01) / 2)
    # The quote '$2a < 2b$' (9 chars) contains the 1-char injected span: P = 1/9, R = 1.
    assert metrics["span_precision"] == pytest.approx(1 / 9)
    assert metrics["span_recall"] == 1.0
    assert metrics["span_f1"] == pytest.approx(2 * (1 / 9) / (1 + 1 / 9))


def test_e2e_on_built_validation_data(tmp_path: Path) -> None:
    """The task reads build-data's validation.jsonl as is (default mockllm-style answers)."""
    data = build_data(BuildDataConfig(out_dir=str(tmp_path / "data"), limit=6))
    model = get_model("mockllm/model", custom_outputs=_verifier, memoize=False)
    [log] = eval(
        injected_errors(data_file=data.validation_path),
        model=model,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success" and log.samples
    values = [s.scores["error_localisation"].value for s in log.samples if s.scores]
    assert {v["injected"] for v in values if isinstance(v, dict)} == {0.0, 1.0}


RESOLVE_SCRIPT = """
import sys
from inspect_ai import eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

output = ModelOutput.from_content("mockllm/model", "<error>none</error>\\nConfidence: 70")
output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
model = get_model("mockllm/model", custom_outputs=[output, output])
[log] = eval("verifier_eval/injected_errors", task_args={"data_file": sys.argv[1]}, model=model,
             log_dir=sys.argv[2], display="none")
print(log.status, len(log.samples))
"""


def test_resolves_by_its_package_name(tmp_path: Path) -> None:
    """`verifier_eval/injected_errors` resolves through the entry point in a fresh process.

    Run outside the repository root: there, ``verifier_eval`` is imported from the working
    directory rather than the editable install, and inspect registers bare names.
    """
    path = _write(tmp_path, _rows())
    script = tmp_path / "resolve.py"
    script.write_text(RESOLVE_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(path), str(tmp_path / "logs")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["success", "2"], done.stderr[-2000:]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param(
            [{"id": "x", "problem": "p", "proof": "q"}], "'target' is missing", id="no-target"
        ),
        pytest.param(
            [{"id": "x", "problem": "p", "proof": "q", "target": 0}],
            "needs 'error_span'",
            id="no-span",
        ),
        pytest.param(
            [{"id": "x", "problem": "p", "proof": "q", "target": 0, "error_span": [0, 9]}],
            "inside the proof",
            id="bad-span",
        ),
    ],
)
def test_malformed_data_is_a_data_error(
    tmp_path: Path, rows: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        injected_errors(data_file=str(_write(tmp_path, rows)))


def test_missing_file_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="build-data"):
        injected_errors(data_file=str(tmp_path / "absent.jsonl"))


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        pytest.param(CharSpan(0, 10), CharSpan(0, 10), (1.0, 1.0, 1.0), id="exact"),
        pytest.param(CharSpan(0, 10), CharSpan(5, 15), (0.5, 0.5, 0.5), id="half"),
        pytest.param(CharSpan(0, 4), CharSpan(0, 10), (1.0, 0.4, 2 * 0.4 / 1.4), id="inside"),
        pytest.param(CharSpan(20, 30), CharSpan(0, 10), (0.0, 0.0, 0.0), id="disjoint"),
        pytest.param(None, CharSpan(0, 10), (0.0, 0.0, 0.0), id="no-quote"),
    ],
)
def test_span_overlap(
    predicted: CharSpan | None, gold: CharSpan, expected: tuple[float, float, float]
) -> None:
    assert tuple(span_overlap(predicted, gold)) == pytest.approx(expected)


def test_quote_extraction_and_location() -> None:
    assert extract_error_quote("x <error> $2a < 2b$ </error>") == "$2a < 2b$"
    assert extract_error_quote("<error>none</error>") is None
    assert extract_error_quote("no tag") is None
    proof = "First line.\nThen   we   have $x=1$.\nEnd."
    assert locate("we have $x=1$", proof) == CharSpan(proof.index("we"), proof.index("$.") + 1)
    assert locate("First line.", proof) == CharSpan(0, 11)
    assert locate("not there", proof) is None
