"""Support lines (the default judge over one answer), the budgeted pass over all answers, and judge agreement."""

from __future__ import annotations

from typing import Any

from evals.faithfulness import judge_agreement, support_line, support_pass
from evals.judges import OverlapJudge
from tests.helpers.eval_records import question, record, sentence


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
    assert everything["answers_judged"] == 4 and everything["not_judged"] == 0
    assert everything["claim_recall_judged"] == 4
    assert len(lines) == 8  # a faithfulness line per answer, then the same line with its claim recall
    assert all(support[q.id]["reference_judged"] and support[q.id]["reference"] for q in questions)
    again = support_pass(questions, answers, support, OverlapJudge(), lines.append)
    assert again["judged_now"] == 0 and len(lines) == 8  # nothing judged twice
    none: dict[str, dict[str, Any]] = {}
    capped = support_pass(questions, answers, none, OverlapJudge(), lambda line: None, budget_s=0.0)
    assert capped["judged_now"] == 0 and capped["not_judged"] == 4


class RecordingJudge:
    """Says yes to everything and records what it was asked, in order."""

    name = "recording"
    last_failure: str | None = None

    def __init__(self) -> None:
        self.claims: list[str] = []

    def supports(self, claim: str, evidence: str) -> bool | None:
        self.claims.append(claim)
        return True


def test_support_pass_judges_every_answer_sentence_before_any_reference_claim() -> None:
    questions = [question(f"q{i}", "content", ("e1",), reference=f"Reference {i}.") for i in range(3)]
    answers = {q.id: record(q.id, sentences=[sentence(f"Sentence {q.id}.", "A span.")]) for q in questions}
    judge = RecordingJudge()
    support: dict[str, dict[str, Any]] = {}
    support_pass(questions, answers, support, judge, lambda line: None)
    assert [c.startswith("Sentence") for c in judge.claims] == [True] * 3 + [False] * 3
    assert sorted(judge.claims[3:]) == ["Reference 0.", "Reference 1.", "Reference 2."]


def test_support_line_can_leave_reference_claims_for_later() -> None:
    q = question("q1", "content", ("e1",), reference="The model has 12 layers.")
    rec = record("q1", text="The model has 12 layers [1].", sentences=[sentence("It has 12 layers.", "12 layers.")])
    partial = support_line(q, rec, OverlapJudge(threshold=0.5), reference=False)
    assert partial["reference_judged"] is False and partial["reference"] == []
    unanswerable = question("q2", "unanswerable", ())
    complete = support_line(unanswerable, record("q2", abstained=True), OverlapJudge(), reference=False)
    assert complete["reference_judged"] is True  # nothing to judge: complete at once
