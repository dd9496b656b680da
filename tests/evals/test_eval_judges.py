"""``assistant eval judges`` end to end on a slice of the labelled set, with instant judges and a scripted model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.llm import ScriptedChatModel
from evals.judges import OverlapJudge, YesNoJudge
from evals.judges.report import run_judges
from evals.support_labels import DEFAULT_LABELS


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    lines = [ln for ln in DEFAULT_LABELS.read_text(encoding="utf-8").splitlines() if ln.strip()][:24]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_run_judges_writes_the_table(labels: Path, tmp_path: Path) -> None:
    scripted = ScriptedChatModel(json.dumps({"Yes": math.log(0.7), "No": math.log(0.3)}))
    judges = {"overlap": OverlapJudge, "scripted": lambda: YesNoJudge(scripted, name="scripted")}
    run_dir, report = run_judges(labels, judges, tmp_path / "out")
    assert run_dir.name.startswith("judges-")
    rows = {r["judge"]: r for r in report["judges"]}
    assert set(rows) == {"overlap", "scripted"}
    assert rows["overlap"]["test"]["n"] == report["n_test"]
    assert report["n_calibration"] + report["n_test"] == 24
    assert rows["scripted"]["test"]["failures"] == 0
    assert len(scripted.calls) == 24  # every item asked once
    saved = json.loads((run_dir / "judges.json").read_text(encoding="utf-8"))
    assert saved["judges"][0]["judge"] == "overlap"
    md = (run_dir / "judges.md").read_text(encoding="utf-8")
    assert "| overlap |" in md and "| scripted |" in md and "balanced acc." in md


def test_a_judge_that_cannot_be_built_is_reported(labels: Path, tmp_path: Path) -> None:
    def broken() -> OverlapJudge:
        raise ValueError("no endpoint")

    _, report = run_judges(labels, {"broken": broken}, tmp_path / "out")
    assert report["judges"] == [{"judge": "broken", "setup_error": "ValueError: no endpoint"}]


def test_cli_eval_judges(labels: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs"
    code = main(["eval", "judges", "--labels", str(labels), "--judge", "overlap", "verifier", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "overlap" in printed and "verifier" in printed and "judges.md" in printed
    assert len(list(out.glob("judges-*/judges.json"))) == 1


def test_cli_eval_judges_bad_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "s1", "claim": "x"}\n', encoding="utf-8")
    assert main(["eval", "judges", "--labels", str(bad), "--judge", "overlap", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1" in err and "Traceback" not in err
    assert main(["eval", "judges", "--labels", str(tmp_path / "none.jsonl"), "--out", str(tmp_path)]) == 2
    assert "no labelled claims" in capsys.readouterr().err


def test_cli_answers_rejects_a_support_judge_as_ragas_judge(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "answers", "--judge", "overlap"]) == 2
    assert "takes one of none, embedded, openai" in capsys.readouterr().err
