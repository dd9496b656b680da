"""Retrieval scoring (pure): per-question metrics, per-mode and per-kind summaries, misses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from evals.metrics import (
    Aggregate,
    aggregate,
    hit_at_k,
    ndcg_at_k,
    per_kind,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from evals.questions import EvalQuestion

__all__ = [
    "MODES",
    "RETRIEVAL_METRICS",
    "agg_dict",
    "first_gold_rank",
    "latency_summary",
    "metric_names",
    "retrieval_misses",
    "retrieval_summary",
    "score_ranking",
    "summarize_retrieval_mode",
]

MODES: tuple[str, ...] = ("bm25", "dense", "hybrid")
_MetricFn = Callable[..., float | None]
RETRIEVAL_METRICS: tuple[tuple[str, _MetricFn, int], ...] = (
    ("hit@1", hit_at_k, 1),
    ("hit@5", hit_at_k, 5),
    ("hit@10", hit_at_k, 10),
    ("recall@5", recall_at_k, 5),
    ("recall@10", recall_at_k, 10),
    ("mrr@10", reciprocal_rank, 10),
    ("ndcg@10", ndcg_at_k, 10),
)
"""(name, function, cut-off) of every retrieval metric; a metric whose cut-off exceeds ``--k`` is not computed."""


def metric_names(k: int) -> list[str]:
    """Names of the retrieval metrics computable from a ranking of depth ``k``."""
    return [name for name, _, cut in RETRIEVAL_METRICS if cut <= k]


def score_ranking(ranked_ids: Sequence[str], gold_ids: Sequence[str], k: int = 10) -> dict[str, float | None]:
    """Every retrieval metric (see :data:`RETRIEVAL_METRICS`) of one ranking; ``None`` for an unanswerable question.

    Metrics whose cut-off exceeds ``k`` (the retrieval depth) are left out.
    """
    return {name: fn(ranked_ids, gold_ids, cut) for name, fn, cut in RETRIEVAL_METRICS if cut <= k}


def agg_dict(value: Aggregate) -> dict[str, float | int | None]:
    """An :class:`Aggregate` as the report's ``{mean, count, missing}`` dict."""
    return {"mean": value.mean, "count": value.count, "missing": value.missing}


def latency_summary(seconds: Iterable[float | None]) -> dict[str, float | int | None]:
    """p50 / p95 (seconds) and the number of timed calls."""
    values = [s for s in seconds if s is not None]
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}


def summarize_retrieval_mode(
    questions: Sequence[EvalQuestion], rows: Mapping[str, Mapping[str, Any]], k: int
) -> dict[str, Any]:
    """Overall and per-kind means of every retrieval metric over the answerable questions, plus latency.

    ``rows`` maps question id to a row with ``ranked`` (entry ids, best first) and ``seconds``.
    """
    scored = []
    for q in questions:
        row = rows.get(q.id)
        if row is not None and q.answerable:
            scored.append({"kind": q.kind, **score_ranking(row["ranked"], q.gold_ids, k)})
    names = metric_names(k)
    overall = {name: agg_dict(aggregate(r[name] for r in scored)) for name in names}
    kinds: dict[str, dict[str, Any]] = {}
    for name in names:
        for kind, value in per_kind(scored, "kind", name).items():
            kinds.setdefault(kind, {})[name] = agg_dict(value)
    latency = latency_summary(rows[q.id].get("seconds") for q in questions if q.id in rows)
    return {"n": len(scored), "overall": overall, "per_kind": kinds, "latency": latency}


def first_gold_rank(ranked_ids: Sequence[str], gold_ids: Sequence[str]) -> int | None:
    """1-based rank of the first gold id among the distinct ranked ids, ``None`` if absent."""
    seen = list(dict.fromkeys(ranked_ids))
    return next((i for i, item in enumerate(seen, start=1) if item in set(gold_ids)), None)


def retrieval_misses(
    questions: Sequence[EvalQuestion],
    rows: Mapping[str, Mapping[str, Any]],
    titles: Mapping[str, str],
    cutoff: int = 5,
) -> list[dict[str, Any]]:
    """Answerable questions with no gold entry in the top ``cutoff``: what ranked first and where gold ended up."""
    misses = []
    for q in questions:
        row = rows.get(q.id)
        if row is None or not q.answerable or hit_at_k(row["ranked"], q.gold_ids, cutoff):
            continue
        top = row["ranked"][0] if row["ranked"] else None
        misses.append(
            {
                "id": q.id,
                "kind": q.kind,
                "question": q.gold.question,
                "gold_titles": [titles.get(g, g) for g in q.gold_ids],
                "top1_id": top,
                "top1_title": titles.get(top, "") if top else "",
                "gold_rank": first_gold_rank(row["ranked"], q.gold_ids),
            }
        )
    return misses


def retrieval_summary(
    questions: Sequence[EvalQuestion],
    rows_by_mode: Mapping[str, Mapping[str, Mapping[str, Any]]],
    titles: Mapping[str, str],
    k: int,
) -> dict[str, Any]:
    """The ``retrieval`` section of the report: per mode summary, misses at hit@5 and per-question rows."""
    modes = {mode: summarize_retrieval_mode(questions, rows, k) for mode, rows in rows_by_mode.items()}
    misses = {mode: retrieval_misses(questions, rows, titles) for mode, rows in rows_by_mode.items()}
    per_question = [_question_rankings(q, rows_by_mode) for q in questions]
    return {"k": k, "metrics": metric_names(k), "modes": modes, "misses_at_5": misses, "questions": per_question}


def _question_rankings(q: EvalQuestion, rows_by_mode: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """One question's ranking and gold rank in every mode."""
    out: dict[str, Any] = {"id": q.id, "kind": q.kind, "gold_ids": list(q.gold_ids)}
    for mode, rows in rows_by_mode.items():
        if q.id in rows:
            ranked = list(rows[q.id]["ranked"])
            out[mode] = {"ranked": ranked, "gold_rank": first_gold_rank(ranked, q.gold_ids)}
    return out
