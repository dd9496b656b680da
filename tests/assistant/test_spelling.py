"""Typo tolerance: the corrector on a small vocabulary, and in retrieval over the real seeds (hashing embedder)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import spelling
from assistant.spelling import Speller, correct_query, speller_for

TEXTS = [
    "Pointer Networks learn positions in an input sequence.",
    "Pointer networks and point clouds; diffusion models; teaching proofs.",
    "Mitya Chklovskii talks about the neuron on Wednesday.",
    "Models of reinforcement learning. Transformers and scaling laws.",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.from_texts(TEXTS)


@pytest.mark.parametrize(
    ("typo", "fixed"),
    [
        ("What is Pointr Netwroks about?", "What is Pointer Networks about?"),  # context picks pointer, not point
        ("Who is Mitya Chklovski?", "Who is Mitya Chklovskii?"),
        ("difusion modles", "diffusion models"),
        ("reinforcment learning", "reinforcement learning"),  # same word family as a known stem
        ("talks on Wendesday", "talks on Wednesday"),  # a swap, capital kept
    ],
)
def test_misspelled_vocabulary_words_are_corrected(speller: Speller, typo: str, fixed: str) -> None:
    assert speller.correct(typo) == fixed


@pytest.mark.parametrize(
    "question",
    [
        "Which tutorial teaches proofs?",  # "teaches": the corpus knows the family ("teaching"), so it stays
        "Who gave the keynote at 4:20 pm?",  # numbers and short words are never touched
        "Is there anything on xylophones?",  # nothing close enough: left alone
        "Stéphane and EPFL",
    ],
)
def test_known_or_unknowable_words_are_left_alone(speller: Speller, question: str) -> None:
    assert speller.correct(question) == question


class _Corpus:
    def __init__(self, entries: dict[str, Any]) -> None:
        self.entries = entries


def test_switch_and_cache(speller: Speller, monkeypatch: pytest.MonkeyPatch, fake_assistant: Any) -> None:
    corpus = fake_assistant().corpus
    assert speller_for(corpus) is speller_for(corpus)  # built once per corpus
    assert correct_query("Pointr Netwroks", corpus) == "Pointer Networks"
    monkeypatch.setattr(spelling, "ENABLED", False)
    assert correct_query("Pointr Netwroks", corpus) == "Pointr Netwroks"


def test_retrieval_finds_the_entry_despite_typos(fake_assistant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    a = fake_assistant()
    question = "What do Pointr Netwroks learn about ouptut sequences?"
    assert a.retrieve(question, k=3)[0].title == "Pointer Networks"
    monkeypatch.setattr(spelling, "ENABLED", False)
    assert "Pointer Networks" not in [p.title for p in a.retrieve(question, k=3)]


def test_words_of_the_language_are_never_corrected_towards_the_corpus() -> None:
    speller = Speller.from_texts(["we train on large batches of patches"], english=frozenset({"catch", "watches"}))
    assert speller.correct("which talks should I catch") == "which talks should I catch"
    assert speller.correct("big bathces") == "big batches"  # not a word: corrected
    assert "catch" in spelling.english_words() and "pointr" not in spelling.english_words()
