"""The sample of shown sentences written for a person to read."""

from __future__ import annotations

from pathlib import Path

from evals.gold import GoldQuestion
from evals.questions import EvalQuestion
from evals.sentence_sample import sample_sentences, write_sentence_sample


def _question(qid: str) -> EvalQuestion:
    gold = GoldQuestion(id=qid, question="q?", kind="content", gold_titles=["T"], reference="r", answerable=True)
    return EvalQuestion(gold, ("e1",), 1)


def test_the_sample_pairs_each_claim_with_its_span_and_verdict(tmp_path: Path) -> None:
    sentence = {"claim": "X uses Y.", "spans": [{"entry_id": "e1", "quote": "X uses Y to do Z."}]}
    answers = {
        "a": {"abstained": False, "sentences": [sentence, {"claim": "W.", "spans": []}]},
        "b": {"abstained": True, "sentences": [sentence]},
    }
    rows = sample_sentences([_question("a"), _question("b")], answers, {"a": {"sentences": [True]}}, n=10)
    assert sorted((r["claim"], r["span"], r["verdict"]) for r in rows) == [
        ("W.", "", "not judged"),
        ("X uses Y.", "X uses Y to do Z.", "supported"),
    ]
    page = write_sentence_sample(tmp_path, rows).read_text(encoding="utf-8")
    assert "X uses Y to do Z." in page and "(supported)" in page


def test_the_sample_is_capped_and_seeded() -> None:
    sentences = [{"claim": f"c{i}.", "spans": []} for i in range(100)]
    answers = {"a": {"abstained": False, "sentences": sentences}}
    first = sample_sentences([_question("a")], answers, {}, n=40, seed=3)
    assert len(first) == 40 and first == sample_sentences([_question("a")], answers, {}, n=40, seed=3)
