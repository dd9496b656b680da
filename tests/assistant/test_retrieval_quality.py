"""Retrieval regression gate: hybrid retrieval on the dev set, real MiniLM embedder and real index.

The thresholds are set from measured values (see ``assistant eval retrieval``); lower them only with a reason.
"""

from __future__ import annotations

from typing import Any

import pytest

from assistant.api import Assistant
from evals.questions import DEFAULT_GOLD, EvalQuestion, load_questions
from evals.scoring import retrieval_misses, summarize_retrieval_mode

THRESHOLD_HIT5 = 0.90
"""Minimum hybrid hit@5 over the answerable dev questions."""
THRESHOLD_MRR = 0.80
"""Minimum hybrid MRR@10 over the answerable dev questions."""
K = 10


@pytest.fixture(scope="module")
def dev_questions(real_retrieval_assistant: Assistant) -> list[EvalQuestion]:
    return load_questions(DEFAULT_GOLD, real_retrieval_assistant.entries)


def rank_all(assistant: Assistant, questions: list[EvalQuestion], mode: str) -> dict[str, dict[str, Any]]:
    return {
        q.id: {"ranked": [p.entry_id for p in assistant.retrieve(q.gold.question, k=K, mode=mode)]} for q in questions
    }


@pytest.fixture(scope="module")
def rankings(real_retrieval_assistant: Assistant, dev_questions: list[EvalQuestion]) -> dict[str, dict[str, Any]]:
    return {mode: rank_all(real_retrieval_assistant, dev_questions, mode) for mode in ("hybrid", "bm25")}


def _misses(assistant: Assistant, questions: list[EvalQuestion], rows: dict[str, Any]) -> str:
    titles = {e.id: e.title for e in assistant.entries}
    return "\n".join(
        f"{m['id']}: gold {m['gold_titles']} ranked {m['gold_rank']}, first {m['top1_title']!r}"
        for m in retrieval_misses(questions, rows, titles)
    )


def test_hybrid_meets_thresholds(
    real_retrieval_assistant: Assistant, dev_questions: list[EvalQuestion], rankings: dict[str, dict[str, Any]]
) -> None:
    summary = summarize_retrieval_mode(dev_questions, rankings["hybrid"], K)
    assert summary["n"] == sum(q.answerable for q in dev_questions) > 0
    hit5, mrr = summary["overall"]["hit@5"]["mean"], summary["overall"]["mrr@10"]["mean"]
    misses = _misses(real_retrieval_assistant, dev_questions, rankings["hybrid"])
    assert hit5 >= THRESHOLD_HIT5, f"hybrid hit@5 {hit5:.3f} < {THRESHOLD_HIT5}; misses:\n{misses}"
    assert mrr >= THRESHOLD_MRR, f"hybrid MRR@10 {mrr:.3f} < {THRESHOLD_MRR}; misses at 5:\n{misses}"


def test_hybrid_not_worse_than_bm25(dev_questions: list[EvalQuestion], rankings: dict[str, dict[str, Any]]) -> None:
    # List questions are answered by the list route over every entry, not from the ranked top 5.
    single = [q for q in dev_questions if q.kind != "list"]
    hybrid = summarize_retrieval_mode(single, rankings["hybrid"], K)["overall"]["hit@5"]["mean"]
    bm25 = summarize_retrieval_mode(single, rankings["bm25"], K)["overall"]["hit@5"]["mean"]
    assert hybrid >= bm25, f"hybrid hit@5 {hybrid:.3f} is below BM25-only {bm25:.3f}"
