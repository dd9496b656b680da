"""Support lines (the default judge over one answer), the budgeted pass over all answers, and judge agreement."""

from __future__ import annotations

from typing import Any

from evals.faithfulness import judge_agreement, support_line, support_pass
from evals.judges import OverlapJudge
from tests.test_answer_scoring import question, record, sentence


def test_support_line_judges_sentences_and_reference_claims() -> None:
    q = question("q1", "content", ("e1",), reference="The model has 12 layers. It was trained on Mars.")
    rec = record(
        "q1",
        text="The model has 12 layers [1].",
        sentences=[sentence("The model has 12 layers.", "We use 12 layers."), sentence("No span here.", "")],
    )
    line = support_line(q, rec, OverlapJudge(threshold=0.5))
    assert line["type"] == "support" and line["judge"] == "overlap"
    assert line["sentences"] == [True]  # the sentence without a span is not judged
    assert line["reference"] == [True, False]
    abstained = support_line(q, record("q1", abstained=True), OverlapJudge())
    assert abstained["sentences"] == [] and abstained["reference"] == []


def test_judge_agreement_reads_the_latest_judges_run(tmp_path: Any) -> None:
    import json

    for name, ba in (("judges-20260101-000000", 0.6), ("judges-20260201-000000", 0.7)):
        (tmp_path / name).mkdir()
        report = {"judges": [{"judge": "overlap", "test": {"balanced_accuracy": ba, "n": 10}}]}
        (tmp_path / name / "judges.json").write_text(json.dumps(report), encoding="utf-8")
    assert judge_agreement("overlap", tmp_path)["balanced_accuracy"] == 0.7  # type: ignore[index]
    assert judge_agreement("nobody", tmp_path) is None


def test_support_pass_stops_at_its_budget_and_reports_coverage() -> None:
    questions = [question(f"q{i}", "content", ("e1",)) for i in range(4)]
    answers = {q.id: record(q.id, sentences=[sentence("It has 12 layers.", "It has 12 layers.")]) for q in questions}
    support: dict[str, dict[str, Any]] = {}
    lines: list[dict[str, Any]] = []
    everything = support_pass(questions, answers, support, OverlapJudge(), lines.append, budget_s=None)
    assert everything["answers_judged"] == 4 and everything["not_judged"] == 0 and len(lines) == 4
    again = support_pass(questions, answers, support, OverlapJudge(), lines.append)
    assert again["judged_now"] == 0 and len(lines) == 4  # nothing judged twice
    none: dict[str, dict[str, Any]] = {}
    capped = support_pass(questions, answers, none, OverlapJudge(), lambda line: None, budget_s=0.0)
    assert capped["judged_now"] == 0 and capped["not_judged"] == 4
