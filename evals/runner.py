"""Evaluation runner: retrieval (BM25, dense and hybrid side by side) and answers (with ragas judging) on a gold set.

Usage (through the ``assistant`` CLI)::

    assistant eval [retrieval|answers|all] [--gold evals/dev_set.jsonl] [--out evals/runs] [--k 10] [--limit N]
                   [--judge none|embedded|openai] [--judge-limit 4] [--judge-url URL --judge-model NAME
                   --judge-key KEY] [--resume RUN_DIR] [--no-plots] [--backend embedded|openai|fake]

Every run writes a timestamped folder ``<out>/YYYYmmdd-HHMMSS/``:

==========================  =============================================================================
``config.json``             what must not change when the run is resumed (gold file hash, LLM backend and
                            model, retrieval mode/top_k, prompt version, judge, ...) plus informational fields
``retrieval.jsonl``         one line per (mode, question): ranked entry ids and latency (appended as computed)
``answers.jsonl``           one ``answer`` line per question (appended as soon as it is answered), one ragas
                            ``judge`` line per judged question, one default-judge ``support`` line per answer
``report.json``             everything: per-mode, per-kind and per-question figures, judge failures, machine
                            info, wall time, the comparison with the previous run
``report.md``               readable summary with the same tables
``retrieval_per_kind.png``  hit@5 and MRR@10 per question kind, one bar per mode (unless ``--no-plots``)
``answer_latency.png``      histogram of answer latency (unless ``--no-plots``)
==========================  =============================================================================

Answers are judged (ragas, LLM and non-LLM metrics) with their citation markers ``[n]`` removed.

``--resume RUN_DIR`` reuses every retrieval row and answer already on disk (keyed by question id; an answer that
ended in an error is retried) and refuses to continue when the configuration differs from the saved one.

Pure parts live in their own modules (``questions``, ``scoring``, ``answer_scoring``, ``ragas_summary``,
``report``); this module is the thin I/O layer: the retrieval and answer loops and :func:`run_eval`.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from evals.answer_scoring import answer_metrics, answer_record, error_record
from evals.conversation import ask_turns
from evals.errors import EvalError, RunInterrupted
from evals.faithfulness import judge_agreement, support_pass
from evals.markers import strip_markers
from evals.plots import write_plots
from evals.questions import EvalQuestion, load_questions
from evals.ragas_results import all_failed
from evals.ragas_summary import judge_summary
from evals.report import compare_with_previous, headline_metrics, render_markdown
from evals.scoring import MODES, retrieval_summary
from evals.sentence_sample import sample_sentences, write_sentence_sample
from evals.store import (
    RunStore,
    config_differences,
    config_fingerprint,
    file_sha256,
    machine_info,
    new_run_dir,
)

if TYPE_CHECKING:
    from assistant.api import Assistant
    from evals.judges.base import SupportJudge
    from evals.ragas_results import JudgeResult

__all__ = [
    "DEFAULT_OUT",
    "WHAT_CHOICES",
    "AnswerScorer",
    "EvalOptions",
    "EvalResult",
    "evaluate_answers",
    "evaluate_retrieval",
    "run_eval",
]

DEFAULT_OUT = Path(__file__).resolve().parent / "runs"
DEFAULT_JUDGE_LIMIT = 4
"""Answers the ragas judge scores by default: with the embedded 1.5B model each takes ~1.5 minutes on 2 cores
(several long JSON generations), and 8 of them took 12 of `eval all`'s 28 minutes on 2026-12-01."""
WHAT_CHOICES: tuple[str, ...] = ("retrieval", "answers", "all")
_WARMUP_QUERIES = 3


class AnswerScorer(Protocol):
    """Anything that scores one answer with ragas metrics like :meth:`evals.ragas_metrics.RagasJudge.score` (not a
    support judge: those are :class:`evals.judges.SupportJudge`, the one judge protocol)."""

    def score(self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None) -> JudgeResult:
        """Judge one answer."""
        ...


def _progress(items: Sequence[Any], desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", disable=not enabled, file=sys.stderr, dynamic_ncols=True)


def evaluate_retrieval(
    assistant: Assistant,
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


def _reference_contexts(assistant: Assistant, gold_ids: Sequence[str]) -> list[str]:
    """The chunk texts of the gold entries (what retrieval should have found), or their full text."""
    corpus = getattr(assistant, "corpus", None)
    nodes = getattr(corpus, "nodes", {}) or {}
    wanted = set(gold_ids)
    texts = [n.text for n in nodes.values() if n.metadata.get("entry_id") in wanted]
    if texts:
        return texts
    entries = {e.id: e for e in assistant.entries}
    return [entries[g].text for g in gold_ids if g in entries and entries[g].text]


@dataclass
class AnswerRun:
    """Latest ``answer``, ragas ``judge`` and default-judge ``support`` line per question id, and ask() calls."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    judged: dict[str, dict[str, Any]] = field(default_factory=dict)
    support: dict[str, dict[str, Any]] = field(default_factory=dict)
    asked: int = 0
    coverage: dict[str, Any] | None = None


def _load_answer_state(store: RunStore) -> AnswerRun:
    """What ``answers.jsonl`` already holds (an answer retried after an error drops its old support line)."""
    state = AnswerRun()
    for row in store.read_jsonl("answers.jsonl"):
        kind = row.get("type")
        target = state.judged if kind == "judge" else state.support if kind == "support" else state.answers
        target[row["id"]] = row
    return state


@dataclass
class _AnswerLoop:
    """State of the answers loop (kept out of the loop body so each step stays small)."""

    assistant: Assistant
    store: RunStore
    judge: AnswerScorer | None
    judge_limit: int
    non_llm: bool
    state: AnswerRun
    answered_count: int = 0

    def ask(self, q: EvalQuestion) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            answer = ask_turns(self.assistant, q.gold.question, q.gold.history)
        except Exception as exc:  # one failing question must not end a long run; it is reported and retried
            return error_record(q, exc, time.perf_counter() - start)
        record = answer_record(q, answer)
        if self.non_llm:
            from evals.ragas_metrics import non_llm_scores

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
            result = all_failed(exc)
        return {"type": "judge", "id": q.id, **result.to_dict(), "seconds": time.perf_counter() - start}

    def step(self, q: EvalQuestion) -> None:
        state = self.state
        record = state.answers.get(q.id)
        if record is None or "error" in record:
            record = self.ask(q)
            state.asked += 1
            self.store.append("answers.jsonl", record)
            state.answers[q.id] = record
            state.support.pop(q.id, None)
        if "error" in record or record["abstained"]:
            return
        self.answered_count += 1
        if self.judge is not None and self.answered_count <= self.judge_limit and q.id not in state.judged:
            judged = self.judge_one(q, record)
            self.store.append("answers.jsonl", judged)
            state.judged[q.id] = judged


def evaluate_answers(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    store: RunStore,
    *,
    judge: AnswerScorer | None = None,
    judge_limit: int = DEFAULT_JUDGE_LIMIT,
    non_llm: bool = True,
    progress: bool = False,
    support_judge: SupportJudge | None = None,
    support_budget_s: float | None = None,
) -> AnswerRun:
    """Ask every question not answered yet (appending to ``answers.jsonl`` as each completes), ragas-judge the
    first ``judge_limit`` answered (non-abstained) ones, then run ``support_judge`` over every answer (within
    ``support_budget_s`` seconds: see :func:`evals.faithfulness.support_pass`).
    """
    state = _load_answer_state(store)
    loop = _AnswerLoop(assistant, store, judge, judge_limit, non_llm, state)
    bar = _progress(questions, "answers", progress)
    for q in bar:
        loop.step(q)
        if progress:
            bar.set_postfix(asked=state.asked, judged=len(state.judged))
    if support_judge is not None:
        state.coverage = support_pass(
            questions,
            state.answers,
            state.support,
            support_judge,
            lambda line: store.append("answers.jsonl", line),
            budget_s=support_budget_s,
        )
    write_sentence_sample(store.run_dir, sample_sentences(questions, state.answers, state.support))
    return state


@dataclass
class EvalOptions:
    """Options of one evaluation run (the CLI flags)."""

    k: int = 10
    limit: int | None = None
    judge: str = "none"
    judge_limit: int = DEFAULT_JUDGE_LIMIT
    judge_model: str | None = None
    judge_url: str | None = None
    support_judge: str = "none"
    support_budget_s: float | None = None
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
    assistant: Assistant, questions: Sequence[EvalQuestion], store: RunStore, options: EvalOptions
) -> dict[str, Any]:
    rows = evaluate_retrieval(assistant, questions, store, options.k, progress=options.progress)
    titles = {e.id: e.title for e in assistant.entries}
    return retrieval_summary(questions, rows, titles, options.k)


def _answers_section(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    store: RunStore,
    options: EvalOptions,
    judge: AnswerScorer | None,
    support_judge: SupportJudge | None,
    out_dir: Path,
) -> tuple[dict[str, Any], int]:
    run = evaluate_answers(
        assistant,
        questions,
        store,
        judge=judge,
        judge_limit=options.judge_limit,
        non_llm=options.non_llm,
        progress=options.progress,
        support_judge=support_judge,
        support_budget_s=options.support_budget_s,
    )
    answers, judged, asked = run.answers, run.judged, run.asked
    section = answer_metrics(questions, answers, run.support)
    name = support_judge.name if support_judge is not None else "none"
    section["support_judge"] = {
        "name": name,
        "agreement": judge_agreement(name, out_dir) if support_judge else None,
        "coverage": run.coverage,
    }
    ids = [q.id for q in questions]
    non_llm = [answers[i]["non_llm"] for i in ids if i in answers and "non_llm" in answers[i]]
    judge_rows = [judged[i] for i in ids if i in judged]
    section["ragas"] = judge_summary(judge_rows, non_llm, options.judge, options.judge_limit)
    section["ragas"]["agreement"] = judge_agreement("ragas", out_dir)
    section["records"] = [{k: v for k, v in answers[i].items() if k != "contexts"} for i in ids if i in answers]
    section["judge_records"] = judge_rows
    return section, asked


def run_eval(
    assistant: Assistant,
    gold: str | Path,
    what: str = "all",
    out_dir: str | Path = DEFAULT_OUT,
    options: EvalOptions | None = None,
    *,
    judge: AnswerScorer | None = None,
    support_judge: SupportJudge | None = None,
) -> EvalResult:
    """Evaluate ``assistant`` on the gold file and write a run folder (see the module docstring).

    ``what`` is ``retrieval``, ``answers`` or ``all``. ``judge`` (ragas) scores the first ``options.judge_limit``
    answered questions (``None``: no ragas LLM judging); ``support_judge`` (normally
    :func:`evals.judges.default_judge`) checks every answer sentence against its spans (faithfulness) and the
    reference claims against the answer (claim recall). Raises :class:`GoldFileError` for a malformed gold file
    or a gold title that matches no entry, and :class:`EvalError` for a resume folder whose configuration differs.
    """
    if what not in WHAT_CHOICES:
        raise EvalError(f"unknown evaluation {what!r}; use one of {', '.join(WHAT_CHOICES)}")
    options = options or EvalOptions()
    started, t0 = datetime.now(), time.perf_counter()
    gold_path, out_dir = Path(gold), Path(out_dir)
    questions = load_questions(gold_path, assistant.entries, options.limit)
    fingerprint = config_fingerprint(
        assistant.settings,
        file_sha256(gold_path),
        options.k,
        options.judge,
        options.judge_model,
        options.judge_url,
        options.support_judge,
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
            report["answers"], asked = _answers_section(
                assistant, questions, store, options, judge, support_judge, out_dir
            )
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
    report["comparison"] = compare_with_previous(
        out_dir if options.resume is None else run_dir.parent, run_dir, report["headline"]
    )
    report["plots"] = write_plots(report, run_dir) if options.plots else []
    store.write_json("report.json", report)
    md_path = run_dir / "report.md"
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return EvalResult(run_dir, report, md_path, asked)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
