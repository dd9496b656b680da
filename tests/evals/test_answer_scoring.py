"""Answer metrics on hand-made answer records: list precision/recall, span support, absent numbers, faithfulness
with its interval, claim recall and the route mix."""

from __future__ import annotations

import pytest

from evals.answer_scoring import answer_metrics, score_answer
from evals.metrics import wilson_interval
from tests.helpers.eval_records import question, record, sentence


def test_list_question_scores_items_with_acceptable_extras() -> None:
    q = question("l1", "list", ("a", "b", "c"), acceptable=("ok",))
    items = [{"entry_id": i, "title": i, "evidence": ""} for i in ("a", "b", "ok", "x")]
    s = score_answer(q, record("l1", route="list:topic", items=items, cited_ids=["a", "b", "ok", "x"]))
    assert s["list_precision"] == pytest.approx(2 / 3)
    assert s["list_recall"] == pytest.approx(2 / 3)
    assert score_answer(question("c1", "content", ("a",)), record("c1", cited_ids=["a"]))["list_recall"] is None


def test_span_support_and_absent_numbers() -> None:
    q = question("c1", "content", ("e1",))
    sentences = [
        sentence("The model has 12 layers.", "The model has 12 layers and 8 heads."),
        sentence("The model has 14 heads.", "The model has 12 layers and 8 heads."),
        sentence("Bananas grow in the desert.", "The model has 12 layers and 8 heads."),
    ]
    s = score_answer(q, record("c1", sentences=sentences, cited_ids=["e1"]))
    assert s["span_checked"] == 3
    assert s["span_supported"] == 1
    assert s["numbers_absent"] == [{"claim": "The model has 14 heads.", "numbers": ["14"]}]


def test_faithfulness_pools_sentences_with_wilson_interval_and_counts_failures() -> None:
    questions = [
        question("q1", "content", ("e1",)),
        question("q2", "content", ("e1",)),
        question("u", "unanswerable", ()),
    ]
    records = {
        "q1": record("q1", sentences=[sentence("a", "a"), sentence("b", "b")]),
        "q2": record("q2", sentences=[sentence("c", "c")]),
        "u": record("u", abstained=True, route="abstained:no evidence", text="The corpus does not say."),
    }
    support = {
        "q1": {"sentences": [True, False], "reference": [True]},
        "q2": {"sentences": [True, None], "reference": [None, False]},
    }
    m = answer_metrics(questions, records, support)
    faith = m["overall"]["faithfulness"]
    assert faith["sentences"] == 3 and faith["failed"] == 1
    assert faith["mean"] == pytest.approx(2 / 3)
    assert faith["ci95"] == pytest.approx(list(wilson_interval(2, 3)))  # type: ignore[arg-type]
    assert m["overall"]["claim_recall"]["mean"] == pytest.approx(0.5)  # q1 1.0, q2 0.0 (its failure left out)
    assert m["overall"]["routes"] == {"generated": 2, "abstained": 1}
    assert m["overall"]["abstention_accuracy"] == 1.0


def test_abstaining_on_an_answerable_question_covers_no_reference_claim() -> None:
    q = question("q1", "content", ("e1",))
    s = score_answer(q, record("q1", abstained=True, route="abstained:x"), None)
    assert s["claim_recall"] == 0.0
    assert s["has_sentences"] is False


def test_numbers_absent_rate_per_kind() -> None:
    questions = [question("q1", "content", ("e1",)), question("q2", "content", ("e1",))]
    records = {
        "q1": record("q1", sentences=[sentence("It has 14 heads.", "It has 8 heads.")]),
        "q2": record("q2", sentences=[sentence("It has 8 heads.", "It has 8 heads.")]),
    }
    m = answer_metrics(questions, records)
    assert m["per_kind"]["content"]["numbers_absent_rate"] == pytest.approx(0.5)
    assert m["overall"]["answers_with_absent_number"] == 1
