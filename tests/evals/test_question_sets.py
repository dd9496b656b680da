"""Every question set resolves against the corpus: its schema holds and each gold or acceptable title names a real
parsed entry (the tune sets and the sealed set are checked the same way; nothing here reads their questions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.questions import load_questions
from index.corpus import load_corpus
from tests.helpers import REPO

SETS = ["evals/tune_set.jsonl", "evals/tune_set_b.jsonl", "evals/tune_set_c.jsonl", "evals/sealed/sealed.jsonl"]


@pytest.mark.parametrize("name", SETS)
def test_question_set_resolves_against_the_corpus(name: str) -> None:
    path: Path = REPO / name
    questions = load_questions(path, load_corpus(REPO / "seeds").entries)
    assert len(questions) >= 80
    assert all(q.gold.style for q in questions)
