"""Answer sentences and spans, list precision/recall, absent numbers and reference claims on hand-made answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from evals.grounding import (
    answer_items,
    answer_sentences,
    list_precision_recall,
    reference_claims,
    sentence_evidence,
    sentences_with_absent_numbers,
)


def test_list_precision_recall_with_acceptable_entries() -> None:
    pr = list_precision_recall(["a", "b", "x", "ok"], gold=["a", "b", "c"], acceptable=["ok"])
    assert pr.precision == pytest.approx(2 / 3)  # "ok" is neither right nor wrong
    assert pr.recall == pytest.approx(2 / 3)
    assert list_precision_recall(["ok"], ["a"], ["ok"]).precision is None
    assert list_precision_recall([], ["a"]).recall == 0.0
    empty = list_precision_recall(["a"], [])
    assert empty.precision == 0.0 and empty.recall is None


def test_answer_sentences_from_the_contract() -> None:
    answer = SimpleNamespace(
        sentences=[
            {
                "text": "It has 12 layers [1].",
                "claim": "It has 12 layers.",
                "spans": [{"marker": 1, "entry_id": "e1", "quote": "We use 12 layers."}],
            }
        ],
        citations=[],
    )
    got = answer_sentences(answer)
    assert got == [{"claim": "It has 12 layers.", "spans": [{"entry_id": "e1", "quote": "We use 12 layers."}]}]
    assert sentence_evidence(got[0]) == "We use 12 layers."


def test_answer_sentences_fall_back_to_citations() -> None:
    citations = [
        SimpleNamespace(entry_id="e1", sentence="A beats B [1][2].", quote="A beats"),
        SimpleNamespace(entry_id="e2", sentence="A beats B [1][2].", quote="B loses"),
    ]
    got = answer_sentences(SimpleNamespace(citations=citations))
    assert got == [
        {
            "claim": "A beats B.",
            "spans": [{"entry_id": "e1", "quote": "A beats"}, {"entry_id": "e2", "quote": "B loses"}],
        }
    ]
    assert sentence_evidence(got[0]) == "A beats B loses"


def test_answer_items_and_absent_numbers() -> None:
    answer = SimpleNamespace(items=[{"marker": 1, "entry_id": "e1", "title": "T", "evidence": "line"}])
    assert answer_items(answer) == [{"entry_id": "e1", "title": "T", "evidence": "line"}]
    assert answer_items(SimpleNamespace()) == []
    sentences = [
        {"claim": "It has 14 layers.", "spans": [{"entry_id": "e1", "quote": "It has 12 layers."}]},
        {"claim": "It has 12 layers.", "spans": [{"entry_id": "e1", "quote": "It has 12 layers."}]},
    ]
    assert sentences_with_absent_numbers(sentences) == [{"claim": "It has 14 layers.", "numbers": ["14"]}]


def test_reference_claims_split_sentences() -> None:
    assert reference_claims("Yes, it uses Lean. It also uses Mathlib [1].") == [
        "Yes, it uses Lean.",
        "It also uses Mathlib.",
    ]
    assert reference_claims("") == []


def test_answer_sentences_from_slotted_dataclasses() -> None:
    from dataclasses import dataclass, field

    @dataclass(frozen=True, slots=True)
    class Span:
        marker: int
        entry_id: str
        quote: str

    @dataclass(frozen=True, slots=True)
    class Sentence:
        text: str
        claim: str
        spans: list[Span] = field(default_factory=list)

    answer = SimpleNamespace(sentences=[Sentence("A [1].", "A.", [Span(1, "e1", "A is so.")])])
    assert answer_sentences(answer) == [{"claim": "A.", "spans": [{"entry_id": "e1", "quote": "A is so."}]}]


def test_absent_numbers_skip_uncited_lines_and_allow_the_cited_title() -> None:
    sentences = [
        {"claim": "2 papers in the corpus match:", "spans": []},
        {
            "claim": "According to “Just read twice”: we repeat the context.",
            "spans": [{"entry_id": "e1", "quote": "We repeat the context.", "title": "Just read twice"}],
        },
        {"claim": "It reads the context 3 times.", "spans": [{"entry_id": "e1", "quote": "We repeat the context."}]},
    ]
    assert sentences_with_absent_numbers(sentences) == [{"claim": "It reads the context 3 times.", "numbers": ["3"]}]


def test_spans_carry_the_cited_title() -> None:
    citations = [SimpleNamespace(entry_id="e1", title="GPT-4 report", sentence="It is big [1].", quote="big")]
    got = answer_sentences(SimpleNamespace(citations=citations))
    assert got[0]["spans"] == [{"entry_id": "e1", "quote": "big", "title": "GPT-4 report"}]
