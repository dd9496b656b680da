"""Answer scoring (pure): the stored answer record, per-question scores against gold, per-kind summaries."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evals.metrics import (
    abstention_metrics,
    aggregate,
    citation_precision_recall,
    keyword_accuracy,
    percentile,
    supported_by,
)
from evals.questions import EvalQuestion
from evals.scoring import agg_dict

if TYPE_CHECKING:
    from assistant.answer import Answer

__all__ = [
    "SUPPORT_THRESHOLD",
    "answer_metrics",
    "answer_record",
    "error_record",
    "route_family",
    "score_answer",
    "strip_markers",
]

SUPPORT_THRESHOLD = 0.5
"""Lexical support (``evals.metrics.supported_by``) a citation's quote needs to count as supporting its sentence."""
_MARKERS_RE = re.compile(r"\s*(?:\[\s*\d+(?:\s*[,;-]\s*\d+)*\s*\])+")


def _support_counts(citations: Iterable[Any], threshold: float = SUPPORT_THRESHOLD) -> tuple[int, int]:
    """(checked, supported) citations: those with an answer sentence, and those whose quote supports it."""
    checked = supported = 0
    for c in citations:
        sentence = getattr(c, "sentence", "") or ""
        if sentence.strip():
            checked += 1
            supported += supported_by(sentence, getattr(c, "quote", "") or "") >= threshold
    return checked, supported


def strip_markers(text: str) -> str:
    """The answer text without its citation markers (``"... Mathlib [1]."`` -> ``"... Mathlib."``), as judged."""
    return " ".join(_MARKERS_RE.sub("", text).split())


def answer_record(question: EvalQuestion, answer: Answer) -> dict[str, Any]:
    """The ``answer`` line stored for one question: the answer as given, no scoring against gold yet."""
    checked, supported = _support_counts(answer.citations)
    return {
        "type": "answer",
        "id": question.id,
        "kind": question.kind,
        "question": question.gold.question,
        "text": answer.text,
        "abstained": bool(answer.abstained),
        "cited_ids": list(dict.fromkeys(c.entry_id for c in answer.citations)),
        "route": answer.route,
        "seconds": answer.seconds,
        "first_token_seconds": answer.first_token_seconds,
        "support_checked": checked,
        "support_supported": supported,
        "contexts": [p.text for p in answer.contexts],
    }


def error_record(question: EvalQuestion, exc: BaseException, seconds: float) -> dict[str, Any]:
    """The ``answer`` line stored when ``ask()`` raised (retried on resume)."""
    return {
        "type": "answer",
        "id": question.id,
        "kind": question.kind,
        "question": question.gold.question,
        "error": f"{type(exc).__name__}: {exc}",
        "seconds": seconds,
    }


def score_answer(question: EvalQuestion, record: Mapping[str, Any]) -> dict[str, Any]:
    """Per-question answer scores against gold.

    ``keyword_accuracy`` only for answerable questions with keywords; citation precision/recall only for
    answerable questions that were answered (not abstained); ``None`` elsewhere.
    """
    answerable, abstained = question.answerable, bool(record["abstained"])
    keywords = (
        keyword_accuracy(record["text"], question.gold.keywords) if answerable and question.gold.keywords else None
    )
    precision = recall = None
    if answerable and not abstained:
        precision, recall = citation_precision_recall(record["cited_ids"], question.gold_ids)
    return {
        "id": question.id,
        "kind": question.kind,
        "answerable": answerable,
        "abstained": abstained,
        "keyword_accuracy": keywords,
        "citation_precision": precision,
        "citation_recall": recall,
        "support_checked": int(record.get("support_checked", 0)),
        "support_supported": int(record.get("support_supported", 0)),
        "seconds": record.get("seconds"),
        "first_token_seconds": record.get("first_token_seconds"),
        "route": record.get("route", ""),
    }


def _support_rate(records: Iterable[Mapping[str, Any]]) -> dict[str, float | int | None]:
    """Share of supported citations pooled over every checkable citation (micro average); ``count`` = citations."""
    checked = supported = 0
    for r in records:
        checked += int(r.get("support_checked", 0))
        supported += int(r.get("support_supported", 0))
    return {"mean": supported / checked if checked else None, "count": checked, "missing": 0}


def _kind_row(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "n": len(scores),
        "abstained": sum(s["abstained"] for s in scores),
        "keyword_accuracy": agg_dict(aggregate(s["keyword_accuracy"] for s in scores)),
        "citation_precision": agg_dict(aggregate(s["citation_precision"] for s in scores)),
        "citation_recall": agg_dict(aggregate(s["citation_recall"] for s in scores)),
        "citation_support": _support_rate(scores),
        "latency_p50": percentile((s["seconds"] for s in scores), 50),
    }


def answer_metrics(questions: Sequence[EvalQuestion], records: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The answer metrics over the questions that have a (non-error) answer record.

    Overall: keyword accuracy (answerable), abstention accuracy and false-abstention rate, citation precision and
    recall vs gold ids (answerable, answered), citation support rate (pooled over citations), latency p50/p95,
    time to first token p50, route counts; the same per question kind.
    """
    done = [(q, records[q.id]) for q in questions if q.id in records and "error" not in records[q.id]]
    scores = [score_answer(q, r) for q, r in done]
    overall = {
        **_kind_row(scores),
        **abstention_metrics((s["answerable"], s["abstained"]) for s in scores),
        "latency_p95": percentile((s["seconds"] for s in scores), 95),
        "ttft_p50": percentile((s["first_token_seconds"] for s in scores), 50),
        "routes": dict(Counter(route_family(s["route"]) for s in scores).most_common()),
    }
    kinds: dict[str, list[dict[str, Any]]] = {}
    for s in scores:
        kinds.setdefault(s["kind"], []).append(s)
    per_kind_rows = {kind: _kind_row(rows) for kind, rows in sorted(kinds.items())}
    errors = [
        {"id": q.id, "error": records[q.id]["error"]} for q in questions if q.id in records and "error" in records[q.id]
    ]
    return {"overall": overall, "per_kind": per_kind_rows, "errors": errors, "questions": scores}


def route_family(route: str) -> str:
    """``metadata:speaker`` -> ``metadata``; ``abstain:no relevant passage`` -> ``abstain``."""
    return (route or "?").split(":", 1)[0]
