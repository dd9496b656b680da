"""Answer scoring (pure): the stored answer record, per-question scores against gold, per-kind summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evals.grounding import (
    answer_items,
    answer_sentences,
    list_precision_recall,
    sentence_evidence,
    sentences_with_absent_numbers,
)
from evals.judges.lexical import OverlapJudge
from evals.metrics import (
    abstention_metrics,
    aggregate,
    citation_precision_recall,
    keyword_accuracy,
    percentile,
    supported_by,
    wilson_interval,
)
from evals.questions import EvalQuestion
from evals.scoring import agg_dict

if TYPE_CHECKING:
    from assistant.answer import Answer

__all__ = [
    "QUOTE_OVERLAP_THRESHOLD",
    "answer_metrics",
    "answer_record",
    "error_record",
    "faithfulness",
    "route_family",
    "score_answer",
]

QUOTE_OVERLAP_THRESHOLD = 0.5
"""Lexical support (``evals.metrics.supported_by``) a citation's quote needs to count as supporting its sentence."""


def _support_counts(citations: Iterable[Any], threshold: float = QUOTE_OVERLAP_THRESHOLD) -> tuple[int, int]:
    """(checked, supported) citations: those with an answer sentence, and those whose quote supports it."""
    checked = supported = 0
    for c in citations:
        sentence = getattr(c, "sentence", "") or ""
        if sentence.strip():
            checked += 1
            supported += supported_by(sentence, getattr(c, "quote", "") or "") >= threshold
    return checked, supported


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
        "sentences": answer_sentences(answer),
        "items": answer_items(answer),
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


def _span_support(sentences: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """(sentences with a cited span, those the evaluation's independent check finds supported by it)."""
    judge = OverlapJudge()
    checked = [s for s in sentences if sentence_evidence(s)]
    return len(checked), sum(bool(judge.supports(str(s["claim"]), sentence_evidence(s))) for s in checked)


def _support_figures(support: Mapping[str, Any] | None) -> dict[str, Any]:
    """Per-question counts from the default judge's ``support`` line (sentences, then reference claims)."""
    verdicts = list((support or {}).get("sentences") or [])
    covered = list((support or {}).get("reference") or [])
    judged_claims = [v for v in covered if v is not None]
    return {
        "faith_judged": sum(v is not None for v in verdicts),
        "faith_supported": sum(v is True for v in verdicts),
        "faith_failed": sum(v is None for v in verdicts),
        "claim_recall": sum(judged_claims) / len(judged_claims) if judged_claims else None,
        "claims_failed": len(covered) - len(judged_claims),
    }


def score_answer(
    question: EvalQuestion, record: Mapping[str, Any], support: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Per-question answer scores against gold.

    ``keyword_accuracy`` only for answerable questions with keywords; citation precision/recall only for
    answerable questions that were answered (not abstained); list precision/recall only for ``list`` questions
    that were answered; span support and absent numbers over the answer's sentences; faithfulness and claim recall
    from the default judge's ``support`` line (claim recall 0 for an answerable question that was abstained on);
    ``None`` where undefined.
    """
    answerable, abstained = question.answerable, bool(record["abstained"])
    keywords = (
        keyword_accuracy(record["text"], question.gold.keywords) if answerable and question.gold.keywords else None
    )
    precision = recall = list_p = list_r = None
    if answerable and not abstained:
        precision, recall = citation_precision_recall(record["cited_ids"], question.gold_ids, question.acceptable_ids)
    if question.kind == "list" and not abstained:
        listed = [i["entry_id"] for i in record.get("items") or []] or list(record["cited_ids"])
        list_p, list_r = list_precision_recall(listed, question.gold_ids, question.acceptable_ids)
    sentences = [] if abstained else list(record.get("sentences") or [])
    checked, supported = _span_support(sentences)
    absent = sentences_with_absent_numbers(sentences)
    figures = _support_figures(support)
    if answerable and abstained and question.gold.reference:
        figures["claim_recall"] = 0.0
    cited = list(record.get("cited_ids") or [])
    relevant_cited = len(set(cited) & (set(question.gold_ids) | set(question.acceptable_ids)))
    return {
        "id": question.id,
        "kind": question.kind,
        "style": question.gold.style or "plain",
        "follow_up": bool(question.gold.history),
        # A summary must draw on at least two relevant entries (one when gold has only one).
        "summary_ok": (relevant_cited >= min(2, len(question.gold_ids))) if question.kind == "summary" else None,
        # An unanswerable question is declined cleanly: an abstention with nothing cited.
        "declined_clean": (abstained and not cited) if not answerable else None,
        "answerable": answerable,
        "abstained": abstained,
        "keyword_accuracy": keywords,
        "citation_precision": precision,
        "citation_recall": recall,
        "list_precision": list_p,
        "list_recall": list_r,
        "support_checked": int(record.get("support_checked", 0)),
        "support_supported": int(record.get("support_supported", 0)),
        "span_checked": checked,
        "span_supported": supported,
        "numbers_absent": absent,
        "has_sentences": bool(sentences),
        **figures,
        "seconds": record.get("seconds"),
        "first_token_seconds": record.get("first_token_seconds"),
        "route": record.get("route", ""),
    }


def _pooled(scores: Iterable[Mapping[str, Any]], checked: str, supported: str) -> dict[str, float | int | None]:
    """Share ``sum(supported) / sum(checked)`` pooled over questions (micro average); ``count`` = items checked."""
    n = k = 0
    for r in scores:
        n += int(r.get(checked, 0))
        k += int(r.get(supported, 0))
    return {"mean": k / n if n else None, "count": n, "missing": 0}


def faithfulness(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Share of answer sentences the default judge finds supported by their spans, with its 95% Wilson interval;
    failed verdicts are counted apart, never scored."""
    n = sum(int(s.get("faith_judged", 0)) for s in scores)
    k = sum(int(s.get("faith_supported", 0)) for s in scores)
    interval = wilson_interval(k, n)
    return {
        "mean": k / n if n else None,
        "ci95": list(interval) if interval else None,
        "sentences": n,
        "answers": sum(1 for s in scores if s.get("faith_judged") or s.get("faith_failed")),
        "failed": sum(int(s.get("faith_failed", 0)) for s in scores),
    }


def _kind_row(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    answered = [s for s in scores if s["has_sentences"]]
    with_absent = sum(1 for s in answered if s["numbers_absent"])
    return {
        "n": len(scores),
        "abstained": sum(s["abstained"] for s in scores),
        **abstention_metrics((s["answerable"], s["abstained"]) for s in scores),
        "keyword_accuracy": agg_dict(aggregate(s["keyword_accuracy"] for s in scores)),
        "citation_precision": agg_dict(aggregate(s["citation_precision"] for s in scores)),
        "citation_recall": agg_dict(aggregate(s["citation_recall"] for s in scores)),
        "list_precision": agg_dict(aggregate(s["list_precision"] for s in scores)),
        "list_recall": agg_dict(aggregate(s["list_recall"] for s in scores)),
        "citation_support": _pooled(scores, "support_checked", "support_supported"),
        "span_support": _pooled(scores, "span_checked", "span_supported"),
        "numbers_absent_rate": with_absent / len(answered) if answered else None,
        "answers_with_absent_number": with_absent,
        "faithfulness": faithfulness(scores),
        "claim_recall": agg_dict(aggregate(s["claim_recall"] for s in scores)),
        "routes": dict(Counter(route_family(s["route"]) for s in scores).most_common()),
        "latency_p50": percentile((s["seconds"] for s in scores), 50),
        "summary_ok": agg_dict(aggregate(_share(s["summary_ok"]) for s in scores)),
        "declined_clean": agg_dict(aggregate(_share(s["declined_clean"]) for s in scores)),
    }


def _share(flag: bool | None) -> float | None:
    return None if flag is None else float(flag)


def answer_metrics(
    questions: Sequence[EvalQuestion],
    records: Mapping[str, Mapping[str, Any]],
    support: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The answer metrics over the questions that have a (non-error) answer record, overall and per kind.

    Keyword accuracy (answerable), abstention accuracy and false-abstention rate, citation precision and recall vs
    gold ids (answerable, answered), list precision and recall (list questions), citation support (pooled over
    citations), span support (pooled over sentences), the share of answers stating a number absent from their
    cited span, faithfulness with its interval and claim recall (from ``support``: the default judge's lines),
    route counts, latency p50 (p95 and time to first token p50 overall), the share of summaries citing at least two
    relevant entries and the share of unanswerable questions declined with nothing cited.
    """
    support = support or {}
    done = [(q, records[q.id]) for q in questions if q.id in records and "error" not in records[q.id]]
    scores = [score_answer(q, r, support.get(q.id)) for q, r in done]
    overall = {
        **_kind_row(scores),
        "latency_p95": percentile((s["seconds"] for s in scores), 95),
        "ttft_p50": percentile((s["first_token_seconds"] for s in scores), 50),
    }
    kinds: dict[str, list[dict[str, Any]]] = {}
    for s in scores:
        kinds.setdefault(s["kind"], []).append(s)
    per_kind_rows = {kind: _kind_row(rows) for kind, rows in sorted(kinds.items())}
    styles: dict[str, list[dict[str, Any]]] = {}
    for s in scores:
        styles.setdefault(s["style"], []).append(s)
    per_style_rows = {style: _kind_row(rows) for style, rows in sorted(styles.items())}
    errors = [
        {"id": q.id, "error": records[q.id]["error"]} for q in questions if q.id in records and "error" in records[q.id]
    ]
    return {
        "overall": overall,
        "per_kind": per_kind_rows,
        "per_style": per_style_rows,
        "errors": errors,
        "questions": scores,
    }


def route_family(route: str) -> str:
    """``record:speaker`` -> ``record``; ``abstained:no relevant passage`` -> ``abstained``."""
    return (route or "?").split(":", 1)[0]
