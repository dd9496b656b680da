"""Summaries of ragas judge results (pure): per-metric means with failures and skips counted, never scored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from evals.metrics import aggregate
from evals.names import LLM_METRICS, NON_LLM_METRICS

__all__ = ["judge_summary", "metric_table"]


def metric_table(results: Sequence[Mapping[str, Any]], metrics: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per metric: mean over scored values, and counts of scored / failed (with reasons) / skipped."""
    table: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        values = [r.get("scores", {}).get(metric) for r in results]
        reasons = Counter(r["failures"][metric] for r in results if metric in r.get("failures", {}))
        skipped = Counter(r["skipped"][metric] for r in results if metric in r.get("skipped", {}))
        agg = aggregate(values)
        table[metric] = {
            "mean": agg.mean,
            "scored": agg.count,
            "failed": sum(reasons.values()),
            "failure_reasons": dict(reasons.most_common()),
            "skipped": sum(skipped.values()),
            "skip_reasons": dict(skipped.most_common()),
        }
    return table


def judge_summary(
    judge_records: Sequence[Mapping[str, Any]],
    non_llm: Sequence[Mapping[str, Any]],
    judge_name: str,
    judge_limit: int,
) -> dict[str, Any]:
    """The ragas section: LLM metrics over the judged answers and non-LLM metrics over all answers.

    Failures are counted per metric with their reasons and never enter the means (a failed metric is ``None``).
    """
    llm = metric_table(judge_records, LLM_METRICS)
    return {
        "judge": judge_name,
        "judge_limit": judge_limit,
        "judged": len(judge_records),
        "llm": llm,
        "llm_failures_total": sum(m["failed"] for m in llm.values()),
        "seconds": [r.get("seconds") for r in judge_records],
        "non_llm": metric_table(non_llm, NON_LLM_METRICS),
        "non_llm_answers": len(non_llm),
    }
