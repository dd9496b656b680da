"""Former home of the evaluation runner, kept so that ``from evals.run import ...`` keeps working.

The runner now lives in modules along its seams: :mod:`evals.questions` (gold resolution), :mod:`evals.scoring`
(retrieval), :mod:`evals.answer_scoring` (answers), :mod:`evals.ragas_summary`, :mod:`evals.report`,
:mod:`evals.plots`, :mod:`evals.store` (run folders), :mod:`evals.runner` (the loops and :func:`run_eval`) and
:mod:`evals.cli` (``assistant eval``). Import from those.
"""

from __future__ import annotations

from evals.answer_scoring import SUPPORT_THRESHOLD, answer_metrics, answer_record, score_answer, strip_markers
from evals.cli import JUDGE_CHOICES, add_eval_arguments, run_from_cli
from evals.errors import EvalError, RunInterrupted
from evals.questions import DEFAULT_GOLD, EvalQuestion, load_questions, resolve_gold
from evals.ragas_summary import judge_summary
from evals.report import compare_headlines, headline_metrics, render_markdown
from evals.runner import DEFAULT_OUT, EvalOptions, EvalResult, Judge, evaluate_answers, evaluate_retrieval, run_eval
from evals.scoring import (
    MODES,
    RETRIEVAL_METRICS,
    retrieval_misses,
    retrieval_summary,
    score_ranking,
    summarize_retrieval_mode,
)
from evals.store import RunStore, config_differences, config_fingerprint, find_previous_run

__all__ = [
    "DEFAULT_GOLD",
    "DEFAULT_OUT",
    "JUDGE_CHOICES",
    "MODES",
    "RETRIEVAL_METRICS",
    "SUPPORT_THRESHOLD",
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
    "score_answer",
    "score_ranking",
    "strip_markers",
    "summarize_retrieval_mode",
]
