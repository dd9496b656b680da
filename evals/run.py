"""Evaluation runner: retrieval (BM25, dense and hybrid side by side) and answers (with ragas judging) on a gold set.

Usage (through the ``assistant`` CLI)::

    assistant eval [retrieval|answers|all] [--gold evals/dev_set.jsonl] [--out evals/runs] [--k 10] [--limit N]
                   [--judge none|embedded|openai] [--judge-limit 8] [--judge-url URL --judge-model NAME
                   --judge-key KEY] [--resume RUN_DIR] [--no-plots] [--backend embedded|openai|fake]

Every run writes a timestamped folder ``<out>/YYYYmmdd-HHMMSS/``:

==========================  =============================================================================
``config.json``             what must not change when the run is resumed (gold file hash, LLM backend and
                            model, retrieval mode/top_k, prompt version, judge, ...) plus informational fields
``retrieval.jsonl``         one line per (mode, question): ranked entry ids and latency (appended as computed)
``answers.jsonl``           one ``answer`` line per question (appended as soon as it is answered) and one
                            ``judge`` line per judged question (appended as soon as it is judged)
``report.json``             everything: per-mode, per-kind and per-question figures, judge failures, machine
                            info, wall time, the comparison with the previous run
``report.md``               readable summary with the same tables
``retrieval_per_kind.png``  hit@5 and MRR@10 per question kind, one bar per mode (unless ``--no-plots``)
``answer_latency.png``      histogram of answer latency (unless ``--no-plots``)
==========================  =============================================================================

Answers are judged (ragas, LLM and non-LLM metrics) with their citation markers ``[n]`` removed.

``--resume RUN_DIR`` reuses every retrieval row and answer already on disk (keyed by question id; an answer that
ended in an error is retried) and refuses to continue when the configuration differs from the saved one.

The module is split into pure functions (scoring, summarising, rendering; no I/O) and a thin I/O layer
(:class:`RunStore`, :func:`evaluate_retrieval`, :func:`evaluate_answers`, :func:`run_eval`, :func:`run_from_cli`).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from evals.gold import GoldFileError, GoldLineError, GoldQuestion, load_gold
from evals.metrics import (
    Aggregate,
    abstention_metrics,
    aggregate,
    citation_precision_recall,
    hit_at_k,
    keyword_accuracy,
    ndcg_at_k,
    per_kind,
    percentile,
    recall_at_k,
    reciprocal_rank,
    supported_by,
)
from index.entries import normalize_title

if TYPE_CHECKING:
    from assistant.settings import Settings
    from evals.judge import JudgeResult

__all__ = [
    "DEFAULT_GOLD",
    "DEFAULT_OUT",
    "MODES",
    "RETRIEVAL_METRICS",
    "EvalError",
    "EvalOptions",
    "EvalQuestion",
    "EvalResult",
    "Judge",
    "RunInterrupted",
    "RunStore",
    "add_eval_arguments",
    "answer_metrics",
    "answer_record",
    "compare_headlines",
    "config_differences",
    "config_fingerprint",
    "evaluate_answers",
    "evaluate_retrieval",
    "find_previous_run",
    "headline_metrics",
    "judge_summary",
    "load_questions",
    "render_markdown",
    "resolve_gold",
    "retrieval_misses",
    "retrieval_summary",
    "run_eval",
    "run_from_cli",
    "score_ranking",
    "strip_markers",
    "summarize_retrieval_mode",
]

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_GOLD = EVALS_DIR / "dev_set.jsonl"
DEFAULT_OUT = EVALS_DIR / "runs"
MODES: tuple[str, ...] = ("bm25", "dense", "hybrid")
WHAT_CHOICES: tuple[str, ...] = ("retrieval", "answers", "all")
JUDGE_CHOICES: tuple[str, ...] = ("none", "embedded", "openai")
SUPPORT_THRESHOLD = 0.5
"""Lexical support (``evals.metrics.supported_by``) a citation's quote needs to count as supporting its sentence."""

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

_WARMUP_QUERIES = 3
_MARKERS_RE = re.compile(r"\s*(?:\[\s*\d+(?:\s*[,;-]\s*\d+)*\s*\])+")
_METRIC_LABELS = {"mrr@10": "MRR@10", "ndcg@10": "nDCG@10"}


class EvalError(Exception):
    """A problem with the evaluation's inputs (bad resume folder, changed configuration, judge set-up)."""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``run_dir`` holds everything finished so far (continue with ``--resume``)."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(str(run_dir))
        self.run_dir = run_dir


class Judge(Protocol):
    """Anything that scores one answer like :meth:`evals.judge.RagasJudge.score`."""

    def score(self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None) -> JudgeResult:
        """Judge one answer."""
        ...


# ==============================================================================================================
# Gold questions resolved to entry ids (pure, apart from reading the gold file)
# ==============================================================================================================


@dataclass(frozen=True)
class EvalQuestion:
    """A gold question with its gold titles/ids resolved to indexed entry ids, and its line in the gold file."""

    gold: GoldQuestion
    gold_ids: tuple[str, ...]
    line: int

    @property
    def id(self) -> str:
        """The question id."""
        return self.gold.id

    @property
    def kind(self) -> str:
        """The question kind."""
        return self.gold.kind

    @property
    def answerable(self) -> bool:
        """Whether the corpus answers it."""
        return self.gold.answerable


def gold_line_numbers(text: str) -> dict[str, int]:
    """Map each question id of an (already validated) gold file's text to its 1-based line number."""
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            data = json.loads(raw)
            lines.setdefault(str(data.get("id", "")).strip(), number)
    return lines


def _title_index(entries: Iterable[Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``normalized title -> entry ids`` and ``entry id -> title``."""
    by_title: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for entry in entries:
        by_title.setdefault(normalize_title(entry.title), []).append(entry.id)
        titles[entry.id] = entry.title
    return by_title, titles


def _unknown_title(title: str, by_title: Mapping[str, list[str]], titles: Mapping[str, str]) -> str:
    message = f"no indexed entry has the title {title!r}"
    close = difflib.get_close_matches(normalize_title(title), list(by_title), n=1, cutoff=0.75)
    if close:
        message += f" (closest: {titles[by_title[close[0]][0]]!r})"
    return message


def resolve_gold(
    questions: Sequence[GoldQuestion], entries: Iterable[Any], lines: Mapping[str, int], path: Path
) -> list[EvalQuestion]:
    """Resolve every question's ``gold_titles`` (via ``normalize_title``) and ``gold_ids`` to indexed entry ids.

    Raises :class:`GoldFileError` naming the gold file line and field of every title or id that matches no entry.
    A title shared by several entries resolves to all of them.
    """
    by_title, titles = _title_index(entries)
    resolved: list[EvalQuestion] = []
    errors: list[GoldLineError] = []
    for q in questions:
        line = lines.get(q.id, 0)
        ids: list[str] = []
        for i, title in enumerate(q.gold_titles):
            found = by_title.get(normalize_title(title))
            if found:
                ids.extend(found)
            else:
                errors.append(GoldLineError(line, f"gold_titles[{i}]", _unknown_title(title, by_title, titles)))
        for i, entry_id in enumerate(q.gold_ids):
            if entry_id in titles:
                ids.append(entry_id)
            else:
                errors.append(GoldLineError(line, f"gold_ids[{i}]", f"no indexed entry has the id {entry_id!r}"))
        resolved.append(EvalQuestion(q, tuple(dict.fromkeys(ids)), line))
    if errors:
        raise GoldFileError(path, errors)
    return resolved


def load_questions(path: str | Path, entries: Iterable[Any], limit: int | None = None) -> list[EvalQuestion]:
    """Load and validate the gold file, resolve it against ``entries`` and keep the first ``limit`` questions.

    Raises :class:`GoldFileError` (every problem, with file and line) for a malformed file or an unknown title/id.
    """
    path = Path(path)
    questions = load_gold(path)
    lines = gold_line_numbers(path.read_text(encoding="utf-8"))
    resolved = resolve_gold(questions, entries, lines, path)
    return resolved[:limit] if limit else resolved


# ==============================================================================================================
# Retrieval metrics (pure)
# ==============================================================================================================


def metric_names(k: int) -> list[str]:
    """Names of the retrieval metrics computable from a ranking of depth ``k``."""
    return [name for name, _, cut in RETRIEVAL_METRICS if cut <= k]


def score_ranking(ranked_ids: Sequence[str], gold_ids: Sequence[str], k: int = 10) -> dict[str, float | None]:
    """Every retrieval metric (see :data:`RETRIEVAL_METRICS`) of one ranking; ``None`` for an unanswerable question.

    Metrics whose cut-off exceeds ``k`` (the retrieval depth) are left out.
    """
    return {name: fn(ranked_ids, gold_ids, cut) for name, fn, cut in RETRIEVAL_METRICS if cut <= k}


def _agg(value: Aggregate) -> dict[str, float | int | None]:
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
    overall = {name: _agg(aggregate(r[name] for r in scored)) for name in names}
    kinds: dict[str, dict[str, Any]] = {}
    for name in names:
        for kind, value in per_kind(scored, "kind", name).items():
            kinds.setdefault(kind, {})[name] = _agg(value)
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


# ==============================================================================================================
# Answer metrics (pure)
# ==============================================================================================================


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


def answer_record(question: EvalQuestion, answer: Any) -> dict[str, Any]:
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
        "keyword_accuracy": _agg(aggregate(s["keyword_accuracy"] for s in scores)),
        "citation_precision": _agg(aggregate(s["citation_precision"] for s in scores)),
        "citation_recall": _agg(aggregate(s["citation_recall"] for s in scores)),
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
        "routes": dict(Counter(_route_family(s["route"]) for s in scores).most_common()),
    }
    kinds: dict[str, list[dict[str, Any]]] = {}
    for s in scores:
        kinds.setdefault(s["kind"], []).append(s)
    per_kind_rows = {kind: _kind_row(rows) for kind, rows in sorted(kinds.items())}
    errors = [
        {"id": q.id, "error": records[q.id]["error"]} for q in questions if q.id in records and "error" in records[q.id]
    ]
    return {"overall": overall, "per_kind": per_kind_rows, "errors": errors, "questions": scores}


def _route_family(route: str) -> str:
    """``metadata:speaker`` -> ``metadata``; ``abstain:no relevant passage`` -> ``abstain``."""
    return (route or "?").split(":", 1)[0]


# ==============================================================================================================
# Judge results (pure)
# ==============================================================================================================


def _metric_table(results: Sequence[Mapping[str, Any]], metrics: Sequence[str]) -> dict[str, dict[str, Any]]:
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
    from evals.judge import LLM_METRICS, NON_LLM_METRICS

    llm = _metric_table(judge_records, LLM_METRICS)
    return {
        "judge": judge_name,
        "judge_limit": judge_limit,
        "judged": len(judge_records),
        "llm": llm,
        "llm_failures_total": sum(m["failed"] for m in llm.values()),
        "seconds": [r.get("seconds") for r in judge_records],
        "non_llm": _metric_table(non_llm, NON_LLM_METRICS),
        "non_llm_answers": len(non_llm),
    }


def judge_failed(exc: BaseException) -> JudgeResult:
    """A result in which every LLM metric failed because the judge itself raised."""
    from evals.judge import LLM_METRICS, JudgeResult, classify_failure

    reason = classify_failure(exc)
    return JudgeResult(scores=dict.fromkeys(LLM_METRICS), failures=dict.fromkeys(LLM_METRICS, reason))


# ==============================================================================================================
# Headlines, comparison, configuration (pure)
# ==============================================================================================================

_ANSWER_HEADLINES: tuple[tuple[str, str], ...] = (
    ("keyword_accuracy", "keyword_accuracy.mean"),
    ("abstention_accuracy", "abstention_accuracy"),
    ("false_abstention_rate", "false_abstention_rate"),
    ("citation_precision", "citation_precision.mean"),
    ("citation_recall", "citation_recall.mean"),
    ("citation_support", "citation_support.mean"),
    ("latency_p50_s", "latency_p50"),
    ("latency_p95_s", "latency_p95"),
    ("ttft_p50_s", "ttft_p50"),
)
LOWER_IS_BETTER = ("false_abstention_rate", "latency", "ttft", "failures")


def _dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def headline_metrics(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The flat ``name -> value`` figures compared between runs (retrieval per mode, answers, judge)."""
    out: dict[str, float | None] = {}
    retrieval = report.get("retrieval") or {}
    for mode, summary in (retrieval.get("modes") or {}).items():
        for name, value in summary["overall"].items():
            out[f"retrieval.{mode}.{name}"] = value["mean"]
        out[f"retrieval.{mode}.latency_p50_ms"] = _ms(summary["latency"]["p50"])
        out[f"retrieval.{mode}.latency_p95_ms"] = _ms(summary["latency"]["p95"])
    answers = report.get("answers") or {}
    if answers:
        for name, path in _ANSWER_HEADLINES:
            out[f"answers.{name}"] = _dig(answers["overall"], path)
    judge = answers.get("ragas") or {}
    for name, value in (judge.get("llm") or {}).items():
        out[f"judge.{name}"] = value["mean"]
    if judge.get("llm"):
        out["judge.failures"] = float(judge["llm_failures_total"])
    for name, value in (judge.get("non_llm") or {}).items():
        out[f"non_llm.{name}"] = value["mean"]
    return out


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def compare_headlines(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, dict[str, float | None]]:
    """``name -> {previous, current, delta}`` for every headline present in both runs (delta ``None`` if either
    side is undefined)."""
    out: dict[str, dict[str, float | None]] = {}
    for name in current:
        if name not in previous:
            continue
        cur, prev = current[name], previous[name]
        delta = cur - prev if cur is not None and prev is not None else None
        out[name] = {"previous": prev, "current": cur, "delta": delta}
    return out


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def config_fingerprint(
    settings: Settings, gold_sha256: str, k: int, judge: str, judge_model: str | None, judge_url: str | None
) -> dict[str, Any]:
    """Everything that must be the same for a resumed run to be comparable with what is already on disk."""
    llm, retrieval = settings.llm, settings.retrieval
    return {
        "gold_sha256": gold_sha256,
        "llm_backend": llm.backend,
        "llm_model": llm.model,
        "llm_model_path": str(llm.model_path) if llm.model_path else None,
        "llm_base_url": llm.base_url if llm.backend == "openai" else None,
        "llm_max_tokens": llm.max_tokens,
        "llm_temperature": llm.temperature,
        "retrieval_mode": retrieval.mode,
        "retrieval_top_k": retrieval.top_k,
        "retrieval_candidates": retrieval.candidates,
        "retrieval_min_relevance": retrieval.min_relevance,
        "prompt_version": settings.prompt_version,
        "embed_model_path": str(settings.index.embed_model_path) if settings.index.embed_model_path else None,
        "k": k,
        "judge": judge,
        "judge_model": judge_model if judge != "none" else None,
        "judge_url": judge_url if judge == "openai" else None,
    }


def config_differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Human-readable ``key: saved -> now`` lines for every fingerprint field that changed."""
    keys = sorted(set(saved) | set(current))
    return [
        f"{key}: {saved.get(key)!r} (saved) -> {current.get(key)!r} (now)"
        for key in keys
        if saved.get(key) != current.get(key)
    ]


def machine_info() -> dict[str, Any]:
    """CPU count, platform and Python version of this machine."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
    }


# ==============================================================================================================
# Markdown (pure)
# ==============================================================================================================


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += [
        "| " + " | ".join(_fmt(c) if not isinstance(c, str) else c.replace("|", "\\|") for c in row) + " |"
        for row in rows
    ]
    return [*lines, ""]


def _retrieval_md(retrieval: Mapping[str, Any]) -> list[str]:
    names = retrieval["metrics"]
    header = ["kind", "n", *(_METRIC_LABELS.get(n, n) for n in names)]
    lines = [
        "## Retrieval",
        "",
        f"Entry-level metrics over the answerable questions, ranking depth k={retrieval['k']}.",
        "",
    ]
    for mode, summary in retrieval["modes"].items():
        lat = summary["latency"]
        lines += [
            f"### {mode}",
            "",
            f"Latency p50 {_fmt(_ms(lat['p50']), 1)} ms, p95 {_fmt(_ms(lat['p95']), 1)} ms ({lat['n']} calls).",
            "",
        ]
        rows = [["**overall**", summary["n"], *(summary["overall"][n]["mean"] for n in names)]]
        rows += [
            [kind, m[names[0]]["count"], *(m[n]["mean"] for n in names)] for kind, m in summary["per_kind"].items()
        ]
        lines += _table(header, rows)
    lines += ["### Modes side by side (overall)", ""]
    lines += _table(
        ["mode", *(_METRIC_LABELS.get(n, n) for n in names), "p50 ms", "p95 ms"],
        [
            [
                mode,
                *(s["overall"][n]["mean"] for n in names),
                _fmt(_ms(s["latency"]["p50"]), 1),
                _fmt(_ms(s["latency"]["p95"]), 1),
            ]
            for mode, s in retrieval["modes"].items()
        ],
    )
    for mode, misses in retrieval["misses_at_5"].items():
        lines += [f"### {mode}: questions missed at hit@5 ({len(misses)})", ""]
        if not misses:
            lines += ["None: every answerable question has a gold entry in the top 5.", ""]
        else:
            lines += _table(
                ["id", "kind", "question", "gold", "ranked first", "gold rank"],
                [
                    [
                        m["id"],
                        m["kind"],
                        m["question"],
                        "; ".join(m["gold_titles"]),
                        m["top1_title"],
                        _fmt(m["gold_rank"]),
                    ]
                    for m in misses
                ],
            )
    return lines


def _answers_md(answers: Mapping[str, Any]) -> list[str]:
    o = answers["overall"]
    lines = ["## Answers", ""]
    rows = [
        ["questions answered (no error)", o["n"], ""],
        ["keyword accuracy (answerable)", o["keyword_accuracy"]["mean"], o["keyword_accuracy"]["count"]],
        ["abstention accuracy (unanswerable)", o["abstention_accuracy"], o["n_unanswerable"]],
        ["false-abstention rate (answerable)", o["false_abstention_rate"], o["n_answerable"]],
        ["citation precision (answered)", o["citation_precision"]["mean"], o["citation_precision"]["count"]],
        ["citation recall (answered)", o["citation_recall"]["mean"], o["citation_recall"]["count"]],
        ["citation support rate (citations)", o["citation_support"]["mean"], o["citation_support"]["count"]],
        ["latency p50 / p95 (s)", f"{_fmt(o['latency_p50'], 2)} / {_fmt(o['latency_p95'], 2)}", o["n"]],
        ["time to first token p50 (s)", o["ttft_p50"], ""],
        ["routes", ", ".join(f"{k} {v}" for k, v in o["routes"].items()), ""],
        ["errors", len(answers["errors"]), ""],
    ]
    lines += _table(["metric", "value", "n"], rows)
    lines += ["### Answers per kind", ""]
    lines += _table(
        ["kind", "n", "abstained", "keyword acc", "cit. precision", "cit. recall", "support", "p50 s"],
        [
            [
                k,
                r["n"],
                r["abstained"],
                r["keyword_accuracy"]["mean"],
                r["citation_precision"]["mean"],
                r["citation_recall"]["mean"],
                r["citation_support"]["mean"],
                r["latency_p50"],
            ]
            for k, r in answers["per_kind"].items()
        ],
    )
    for err in answers["errors"]:
        lines.append(f"- error on {err['id']}: {err['error']}")
    return lines + ([""] if answers["errors"] else []) + _judge_md(answers.get("ragas"))


def _judge_rows(table: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    return [[name, m["mean"], m["scored"], m["failed"], m["skipped"]] for name, m in table.items()]


def _judge_md(ragas: Mapping[str, Any] | None) -> list[str]:
    if not ragas:
        return []
    lines = [
        f"### Ragas judge ({ragas['judge']}, first {ragas['judge_limit']} answered questions: "
        f"{ragas['judged']} judged)",
        "",
    ]
    if ragas["judge"] != "none":
        lines += _table(["metric", "mean", "scored", "failed", "skipped"], _judge_rows(ragas["llm"]))
        for name, m in ragas["llm"].items():
            lines += [f"- {name} failed {n}×: {reason}" for reason, n in m["failure_reasons"].items()]
        lines.append("")
    lines += [f"### Non-LLM ragas metrics ({ragas['non_llm_answers']} answers)", ""]
    lines += _table(["metric", "mean", "scored", "failed", "skipped"], _judge_rows(ragas["non_llm"]))
    return lines


def _comparison_md(comparison: Mapping[str, Any] | None) -> list[str]:
    if not comparison:
        return ["## Comparison", "", "No previous run in this folder to compare with.", ""]
    lines = [f"## Comparison with the previous run ({comparison['previous_run']})", ""]
    rows = [[name, d["previous"], d["current"], _signed(d["delta"])] for name, d in comparison["deltas"].items()]
    return lines + _table(["metric", "previous", "current", "delta"], rows)


def _signed(delta: float | None) -> str:
    return "–" if delta is None else f"{delta:+.3f}"


def render_markdown(report: Mapping[str, Any]) -> str:
    """The readable ``report.md`` for a report dict (as written to ``report.json``)."""
    run, cfg, machine = report["run"], report["config"], report["machine"]
    lines = [
        f"# Evaluation run {run['name']}",
        "",
        f"- gold: `{run['gold']}` ({run['n_questions']} questions, {run['n_answerable']} answerable; "
        f"sha256 {cfg['gold_sha256'][:12]})",
        f"- what: {run['what']}; wall time {run['wall_seconds']:.1f} s"
        + (" (this invocation; resumed)" if run["resumed"] else ""),
        f"- machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}",
        f"- llm: {cfg['llm_backend']} `{cfg['llm_model_path'] or cfg['llm_model']}`; retrieval {cfg['retrieval_mode']}"
        f" top_k {cfg['retrieval_top_k']}; prompt {cfg['prompt_version']}; judge {cfg['judge']}",
        "",
    ]
    if report.get("retrieval"):
        lines += _retrieval_md(report["retrieval"])
    if report.get("answers"):
        lines += _answers_md(report["answers"])
    lines += [f"![{p}]({p})" for p in report.get("plots", [])] + ([""] if report.get("plots") else [])
    lines += _comparison_md(report.get("comparison"))
    return "\n".join(lines).rstrip() + "\n"


# ==============================================================================================================
# I/O: run folder, retrieval and answer loops, plots
# ==============================================================================================================


class RunStore:
    """A run folder: ``config.json`` and append-only JSON Lines files (each line flushed as it is written)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)

    def read_jsonl(self, name: str) -> list[dict[str, Any]]:
        """Every complete line of ``name`` (a truncated last line from an interrupted write is ignored)."""
        path = self.run_dir / name
        if not path.is_file():
            return []
        rows = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(raw))
            except json.JSONDecodeError:
                continue
        return rows

    def append(self, name: str, record: Mapping[str, Any]) -> None:
        """Append one JSON line and flush it to disk."""
        with (self.run_dir / name).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def write_json(self, name: str, data: Any) -> Path:
        """Write ``name`` as indented JSON."""
        path = self.run_dir / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        return path

    def read_json(self, name: str) -> Any:
        """Parse ``name``."""
        return json.loads((self.run_dir / name).read_text(encoding="utf-8"))


def new_run_dir(out_dir: Path, now: datetime | None = None) -> Path:
    """Create ``<out_dir>/YYYYmmdd-HHMMSS`` (with ``-2``, ``-3``... if that exists already)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate, n = out_dir / base, 1
    while candidate.exists():
        n += 1
        candidate = out_dir / f"{base}-{n}"
    candidate.mkdir()
    return candidate


def find_previous_run(out_dir: Path, current: Path) -> Path | None:
    """The latest run folder in ``out_dir`` before ``current`` (by name, i.e. by time) that has a report."""
    if not out_dir.is_dir():
        return None
    earlier = [p for p in out_dir.iterdir() if p.is_dir() and p.name < current.name and (p / "report.json").is_file()]
    return max(earlier, key=lambda p: p.name) if earlier else None


def _progress(items: Sequence[Any], desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", disable=not enabled, file=sys.stderr, dynamic_ncols=True)


def evaluate_retrieval(
    assistant: Any,
    questions: Sequence[EvalQuestion],
    store: RunStore,
    k: int,
    *,
    modes: Sequence[str] = MODES,
    progress: bool = False,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Rank every question in every mode (reusing rows already in ``retrieval.jsonl``); ``mode -> id -> row``.

    Each mode gets a few untimed warm-up queries first so that model loading and first-call overheads do not
    count as latency.
    """
    rows: dict[str, dict[str, dict[str, Any]]] = {mode: {} for mode in modes}
    for row in store.read_jsonl("retrieval.jsonl"):
        if row.get("mode") in rows:
            rows[row["mode"]][row["id"]] = row
    for mode in modes:
        todo = [q for q in questions if q.id not in rows[mode]]
        for q in todo[:_WARMUP_QUERIES]:
            assistant.retrieve(q.gold.question, k=k, mode=mode)  # warm-up, untimed
        for q in _progress(todo, f"retrieval {mode}", progress):
            start = time.perf_counter()
            passages = assistant.retrieve(q.gold.question, k=k, mode=mode)
            row = {
                "mode": mode,
                "id": q.id,
                "ranked": [p.entry_id for p in passages],
                "seconds": time.perf_counter() - start,
            }
            store.append("retrieval.jsonl", row)
            rows[mode][q.id] = row
    return rows


def _reference_contexts(assistant: Any, gold_ids: Sequence[str]) -> list[str]:
    """The chunk texts of the gold entries (what retrieval should have found), or their full text."""
    corpus = getattr(assistant, "corpus", None)
    nodes = getattr(corpus, "nodes", {}) or {}
    wanted = set(gold_ids)
    texts = [n.text for n in nodes.values() if n.metadata.get("entry_id") in wanted]
    if texts:
        return texts
    entries = {e.id: e for e in assistant.entries}
    return [entries[g].text for g in gold_ids if g in entries and entries[g].text]


def _load_answer_state(store: RunStore) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Latest ``answer`` and ``judge`` record per question id."""
    answers: dict[str, dict[str, Any]] = {}
    judged: dict[str, dict[str, Any]] = {}
    for row in store.read_jsonl("answers.jsonl"):
        (judged if row.get("type") == "judge" else answers)[row["id"]] = row
    return answers, judged


@dataclass
class _AnswerLoop:
    """State of the answers loop (kept out of the loop body so each step stays small)."""

    assistant: Any
    store: RunStore
    judge: Judge | None
    judge_limit: int
    non_llm: bool
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    judged: dict[str, dict[str, Any]] = field(default_factory=dict)
    answered_count: int = 0
    asked: int = 0

    def ask(self, q: EvalQuestion) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            answer = self.assistant.ask(q.gold.question)
        except Exception as exc:  # one failing question must not end a long run; it is reported and retried
            return error_record(q, exc, time.perf_counter() - start)
        record = answer_record(q, answer)
        if self.non_llm:
            from evals.judge import non_llm_scores

            refs = _reference_contexts(self.assistant, q.gold_ids)
            record["non_llm"] = non_llm_scores(
                strip_markers(record["text"]), record["contexts"], q.gold.reference or None, refs
            ).to_dict()
        return record

    def judge_one(self, q: EvalQuestion, record: Mapping[str, Any]) -> dict[str, Any]:
        assert self.judge is not None
        start = time.perf_counter()
        try:
            result = self.judge.score(
                q.gold.question, strip_markers(record["text"]), record["contexts"], q.gold.reference or None
            )
        except Exception as exc:  # the judge itself broke: every metric failed, none scored
            result = judge_failed(exc)
        return {"type": "judge", "id": q.id, **result.to_dict(), "seconds": time.perf_counter() - start}

    def step(self, q: EvalQuestion) -> None:
        record = self.answers.get(q.id)
        if record is None or "error" in record:
            record = self.ask(q)
            self.asked += 1
            self.store.append("answers.jsonl", record)
            self.answers[q.id] = record
        if "error" in record or record["abstained"]:
            return
        self.answered_count += 1
        if self.judge is not None and self.answered_count <= self.judge_limit and q.id not in self.judged:
            judged = self.judge_one(q, record)
            self.store.append("answers.jsonl", judged)
            self.judged[q.id] = judged


def evaluate_answers(
    assistant: Any,
    questions: Sequence[EvalQuestion],
    store: RunStore,
    *,
    judge: Judge | None = None,
    judge_limit: int = 8,
    non_llm: bool = True,
    progress: bool = False,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], int]:
    """Ask every question not answered yet (appending to ``answers.jsonl`` as each completes) and judge the first
    ``judge_limit`` answered (non-abstained) ones. Returns (answer records, judge records, number of ask() calls).
    """
    answers, judged = _load_answer_state(store)
    loop = _AnswerLoop(assistant, store, judge, judge_limit, non_llm, answers, judged)
    bar = _progress(questions, "answers", progress)
    for q in bar:
        loop.step(q)
        if progress:
            bar.set_postfix(asked=loop.asked, judged=len(loop.judged))
    return loop.answers, loop.judged, loop.asked


def write_plots(report: Mapping[str, Any], run_dir: Path) -> list[str]:
    """Grouped bars of hit@5 / MRR@10 per kind and mode, and the answer latency histogram; the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[str] = []
    retrieval = report.get("retrieval")
    if retrieval and retrieval["modes"]:
        written.append(_plot_retrieval(plt, retrieval, run_dir / "retrieval_per_kind.png"))
    answers = report.get("answers")
    seconds = [s["seconds"] for s in (answers or {}).get("questions", []) if s.get("seconds") is not None]
    if seconds:
        written.append(_plot_latency(plt, seconds, run_dir / "answer_latency.png"))
    return written


def _plot_retrieval(plt: Any, retrieval: Mapping[str, Any], path: Path) -> str:
    modes = list(retrieval["modes"])
    kinds = sorted({k for s in retrieval["modes"].values() for k in s["per_kind"]})
    metrics = [m for m in ("hit@5", "mrr@10") if m in retrieval["metrics"]]
    fig, axes = plt.subplots(len(metrics), 1, figsize=(max(6, 1.2 * len(kinds) + 2), 3.2 * len(metrics)), squeeze=False)
    width = 0.8 / max(1, len(modes))
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        for i, mode in enumerate(modes):
            per = retrieval["modes"][mode]["per_kind"]
            values = [(per.get(k, {}).get(metric, {}).get("mean") or 0.0) for k in kinds]
            ax.bar([x + i * width for x in range(len(kinds))], values, width, label=mode)
        ax.set_xticks([x + width * (len(modes) - 1) / 2 for x in range(len(kinds))], kinds, rotation=20)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes[0, 0].set_title("Retrieval per question kind")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _plot_latency(plt: Any, seconds: Sequence[float], path: Path) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(seconds, bins=min(30, max(5, len(seconds) // 2)))
    ax.set_xlabel("answer latency (s)")
    ax.set_ylabel("questions")
    ax.set_title(f"Answer latency (n={len(seconds)})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


# ==============================================================================================================
# The run
# ==============================================================================================================


@dataclass
class EvalOptions:
    """Options of one evaluation run (the CLI flags)."""

    k: int = 10
    limit: int | None = None
    judge: str = "none"
    judge_limit: int = 8
    judge_model: str | None = None
    judge_url: str | None = None
    resume: Path | None = None
    plots: bool = True
    progress: bool = False
    non_llm: bool = True


@dataclass
class EvalResult:
    """What a run produced."""

    run_dir: Path
    report: dict[str, Any]
    markdown_path: Path
    asked: int = 0


def _prepare_run_dir(out_dir: Path, options: EvalOptions, fingerprint: Mapping[str, Any]) -> tuple[Path, bool]:
    """A new timestamped folder, or the ``--resume`` folder after checking its saved configuration."""
    if options.resume is None:
        return new_run_dir(out_dir), False
    run_dir = Path(options.resume)
    store = RunStore(run_dir)
    if not (run_dir / "config.json").is_file():
        raise EvalError(f"cannot resume {run_dir}: it is not a run folder (no config.json)")
    saved = store.read_json("config.json").get("fingerprint", {})
    diffs = config_differences(saved, fingerprint)
    if diffs:
        raise EvalError(
            f"cannot resume {run_dir}: the configuration differs from the saved one:\n  "
            + "\n  ".join(diffs)
            + "\nstart a new run (without --resume) or restore those settings"
        )
    return run_dir, True


def _retrieval_section(
    assistant: Any, questions: Sequence[EvalQuestion], store: RunStore, options: EvalOptions
) -> dict[str, Any]:
    rows = evaluate_retrieval(assistant, questions, store, options.k, progress=options.progress)
    titles = {e.id: e.title for e in assistant.entries}
    return retrieval_summary(questions, rows, titles, options.k)


def _answers_section(
    assistant: Any, questions: Sequence[EvalQuestion], store: RunStore, options: EvalOptions, judge: Judge | None
) -> tuple[dict[str, Any], int]:
    answers, judged, asked = evaluate_answers(
        assistant,
        questions,
        store,
        judge=judge,
        judge_limit=options.judge_limit,
        non_llm=options.non_llm,
        progress=options.progress,
    )
    section = answer_metrics(questions, answers)
    ids = [q.id for q in questions]
    non_llm = [answers[i]["non_llm"] for i in ids if i in answers and "non_llm" in answers[i]]
    judge_rows = [judged[i] for i in ids if i in judged]
    section["ragas"] = judge_summary(judge_rows, non_llm, options.judge, options.judge_limit)
    section["records"] = [{k: v for k, v in answers[i].items() if k != "contexts"} for i in ids if i in answers]
    section["judge_records"] = judge_rows
    return section, asked


def run_eval(
    assistant: Any,
    gold: str | Path,
    what: str = "all",
    out_dir: str | Path = DEFAULT_OUT,
    options: EvalOptions | None = None,
    *,
    judge: Judge | None = None,
) -> EvalResult:
    """Evaluate ``assistant`` on the gold file and write a run folder (see the module docstring).

    ``what`` is ``retrieval``, ``answers`` or ``all``. ``judge`` scores the first ``options.judge_limit`` answered
    questions (``None``: no LLM judging). Raises :class:`GoldFileError` for a malformed gold file or a gold title
    that matches no entry, and :class:`EvalError` for a resume folder whose configuration differs.
    """
    if what not in WHAT_CHOICES:
        raise EvalError(f"unknown evaluation {what!r}; use one of {', '.join(WHAT_CHOICES)}")
    options = options or EvalOptions()
    started, t0 = datetime.now(), time.perf_counter()
    gold_path, out_dir = Path(gold), Path(out_dir)
    questions = load_questions(gold_path, assistant.entries, options.limit)
    fingerprint = config_fingerprint(
        assistant.settings, file_sha256(gold_path), options.k, options.judge, options.judge_model, options.judge_url
    )
    run_dir, resumed = _prepare_run_dir(out_dir, options, fingerprint)
    store = RunStore(run_dir)
    if not resumed:
        store.write_json(
            "config.json",
            {
                "fingerprint": fingerprint,
                "created_at": _iso(started),
                "gold": str(gold_path),
                "what": what,
                "limit": options.limit,
            },
        )
    report: dict[str, Any] = {"retrieval": None, "answers": None}
    asked = 0
    try:
        if what in ("retrieval", "all"):
            report["retrieval"] = _retrieval_section(assistant, questions, store, options)
        if what in ("answers", "all"):
            report["answers"], asked = _answers_section(assistant, questions, store, options, judge)
    except KeyboardInterrupt as exc:
        raise RunInterrupted(run_dir) from exc
    report["run"] = {
        "name": run_dir.name,
        "dir": str(run_dir),
        "what": what,
        "gold": str(gold_path),
        "limit": options.limit,
        "n_questions": len(questions),
        "n_answerable": sum(q.answerable for q in questions),
        "resumed": resumed,
        "started_at": _iso(started),
        "finished_at": _iso(datetime.now()),
        "wall_seconds": time.perf_counter() - t0,
        "asked": asked,
        "question_kinds": dict(Counter(q.kind for q in questions)),
    }
    report["config"], report["machine"] = fingerprint, machine_info()
    report["headline"] = headline_metrics(report)
    report["comparison"] = _comparison(
        out_dir if options.resume is None else run_dir.parent, run_dir, report["headline"]
    )
    report["plots"] = write_plots(report, run_dir) if options.plots else []
    store.write_json("report.json", report)
    md_path = run_dir / "report.md"
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return EvalResult(run_dir, report, md_path, asked)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _comparison(out_dir: Path, run_dir: Path, headline: Mapping[str, float | None]) -> dict[str, Any] | None:
    previous = find_previous_run(out_dir, run_dir)
    if previous is None:
        return None
    try:
        prev_report = json.loads((previous / "report.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return {"previous_run": previous.name, "deltas": compare_headlines(headline, prev_report.get("headline", {}))}


# ==============================================================================================================
# CLI
# ==============================================================================================================


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``eval`` subcommand's arguments to ``parser``."""
    parser.add_argument("what", nargs="?", choices=WHAT_CHOICES, default="all", help="what to evaluate (default: all)")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold JSONL file (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for run folders (default: %(default)s)")
    parser.add_argument("--k", type=_positive_int, default=10, help="retrieval depth (default: 10)")
    parser.add_argument("--limit", type=_positive_int, default=None, help="only the first N questions")
    parser.add_argument(
        "--judge",
        choices=JUDGE_CHOICES,
        default="embedded",
        help="ragas judge: the assistant's embedded model (default), an OpenAI-compatible endpoint "
        "(settings.llm or --judge-url/--judge-model/--judge-key), or none",
    )
    parser.add_argument(
        "--judge-limit",
        type=_non_negative_int,
        default=8,
        help="judge only the first N answered questions (default: 8; a 1.5B judge on 2 CPU cores "
        "takes ~30-140 s per answer)",
    )
    parser.add_argument("--judge-url", help="judge endpoint incl. /v1 (--judge openai)")
    parser.add_argument("--judge-model", help="judge model name (--judge openai)")
    parser.add_argument("--judge-key", help="judge API key (--judge openai)")
    parser.add_argument(
        "--resume",
        type=Path,
        default=None,
        metavar="RUN_DIR",
        help="continue an interrupted run in RUN_DIR (same configuration required)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw PNG plots")
    parser.add_argument("--backend", choices=["embedded", "openai", "fake"], help="chat model backend")


@dataclass
class _LazyRagasJudge:
    """Builds the :class:`evals.judge.RagasJudge` on first use (the embedded endpoint only exists once loaded)."""

    factory: Callable[[], Judge]
    _judge: Judge | None = None

    def score(self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None) -> JudgeResult:
        """Build the judge if needed, then score."""
        if self._judge is None:
            self._judge = self.factory()
        return self._judge.score(question, answer, contexts, reference)


def _judge_endpoint(args: argparse.Namespace, settings: Settings) -> tuple[str | None, str | None, str | None]:
    """(url, model, key) of the judge; for the embedded judge the URL is only known after loading the model."""
    if args.judge == "openai":
        url = args.judge_url or settings.llm.base_url
        if not url:
            raise EvalError("--judge openai needs --judge-url or ASSISTANT_LLM__BASE_URL")
        return url, args.judge_model or settings.llm.model, args.judge_key or settings.llm.api_key
    if args.judge == "embedded":
        if settings.llm.backend != "embedded" and args.what != "retrieval":
            raise EvalError(
                f"--judge embedded uses the embedded model, but the backend is {settings.llm.backend!r}; "
                "use --judge openai (with --judge-url) or --judge none"
            )
        return None, str(settings.llm.model_path or settings.llm.model), None
    return None, None, None


def _make_judge(args: argparse.Namespace, assistant: Any, settings: Settings) -> Judge | None:
    if args.judge == "none" or args.what == "retrieval":
        return None
    url, model, key = _judge_endpoint(args, settings)
    timeout = settings.llm.timeout_s

    def build() -> Judge:
        from evals.judge import RagasJudge

        base = url or assistant.chat_model.base_url()
        return RagasJudge(base, model or "judge", key, timeout, embeddings=assistant.embedder.embed)

    return _LazyRagasJudge(build)


def _print_summary(result: EvalResult) -> None:
    report = result.report
    print(f"report: {result.markdown_path}")
    retrieval = report.get("retrieval")
    if retrieval:
        print(f"retrieval ({report['run']['n_answerable']} answerable questions, k={retrieval['k']}):")
        for mode, s in retrieval["modes"].items():
            figures = "  ".join(
                f"{_METRIC_LABELS.get(n, n)} {_fmt(s['overall'][n]['mean'])}"
                for n in ("hit@1", "hit@5", "mrr@10", "ndcg@10")
                if n in s["overall"]
            )
            print(f"  {mode:7} {figures}  p50 {_fmt(_ms(s['latency']['p50']), 1)} ms")
    answers = report.get("answers")
    if answers:
        o = answers["overall"]
        print(
            f"answers ({o['n']}): keyword acc {_fmt(o['keyword_accuracy']['mean'])}, abstention acc "
            f"{_fmt(o['abstention_accuracy'])}, false abstention {_fmt(o['false_abstention_rate'])}, citation P "
            f"{_fmt(o['citation_precision']['mean'])} R {_fmt(o['citation_recall']['mean'])}, support "
            f"{_fmt(o['citation_support']['mean'])}, p50 {_fmt(o['latency_p50'], 2)} s, errors "
            f"{len(answers['errors'])}"
        )
        ragas = answers["ragas"]
        if ragas["judge"] != "none":
            print(
                "judge: "
                + ", ".join(
                    f"{n} {_fmt(m['mean'])} ({m['scored']} scored, {m['failed']} failed)"
                    for n, m in ragas["llm"].items()
                )
            )
    comparison = report.get("comparison")
    if comparison:
        moved = [
            f"{n} {_signed(d['delta'])}"
            for n, d in comparison["deltas"].items()
            if d["delta"] and "latency" not in n and "ttft" not in n
        ]
        print(f"vs {comparison['previous_run']}: " + (", ".join(moved) if moved else "no metric changed"))


def run_from_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``assistant eval`` with parsed ``args``; returns the exit code (2 for a bad gold file or set-up)."""
    options = EvalOptions(
        k=args.k or 10,
        limit=args.limit,
        judge=args.judge,
        judge_limit=args.judge_limit,
        resume=args.resume,
        plots=not args.no_plots,
        progress=True,
    )
    try:
        url, model, _ = _judge_endpoint(args, settings)
        options.judge_model, options.judge_url = model, url
        load_gold(args.gold)  # fail fast on a malformed file, before the index and models load
        from assistant.api import Assistant

        assistant = Assistant(settings)
        result = run_eval(
            assistant, args.gold, args.what, args.out, options, judge=_make_judge(args, assistant, settings)
        )
    except GoldFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        print(f"\ninterrupted; what was finished is saved: continue with --resume {exc.run_dir}", file=sys.stderr)
        return 130
    _print_summary(result)
    return 0
