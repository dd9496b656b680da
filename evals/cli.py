"""``assistant eval``: its arguments, the judge it builds, the run and the summary it prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evals.errors import EvalError, RunInterrupted
from evals.gold import GoldFileError, load_gold
from evals.questions import DEFAULT_GOLD
from evals.report import METRIC_LABELS, faithfulness_text, fmt, ms, signed
from evals.runner import DEFAULT_JUDGE_LIMIT, DEFAULT_OUT, WHAT_CHOICES, AnswerScorer, EvalOptions, EvalResult, run_eval

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.llm.base import ChatModel
    from assistant.settings import Settings
    from evals.judges.base import SupportJudge
    from evals.ragas_results import JudgeResult

__all__ = ["JUDGE_CHOICES", "add_eval_arguments", "run_from_cli"]

JUDGE_CHOICES: tuple[str, ...] = ("none", "embedded", "openai")
"""The ragas judge of ``eval retrieval|answers|all``."""
SUPPORT_JUDGES: tuple[str, ...] = ("verifier", "overlap", "embedded", "combined", "ragas", "openai")
"""The support judges ``eval judges`` scores (``evals.judges.JUDGE_NAMES``)."""
DEFAULT_SUPPORT_JUDGES: tuple[str, ...] = ("verifier", "overlap", "embedded")
MODEL_JUDGES: tuple[str, ...] = ("embedded", "combined", "ragas")
"""Support judges that share the assistant's embedded model unless ``--judge-url`` names an endpoint."""
CLI_WHAT: tuple[str, ...] = (*WHAT_CHOICES, "judges")
DEFAULT_SUPPORT_BUDGET_S = 330.0
"""Keeps ``eval all`` on the dev set within 20 minutes on 2 cores with the embedded judge: answering took ~866 s
and the faithfulness pass (117 sentences at ~2.7 s) ~316 s on 2026-12-01; claim recall gets what is left."""


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
    parser.add_argument(
        "what",
        nargs="?",
        choices=CLI_WHAT,
        default="all",
        help="what to evaluate (default: all); 'judges' scores the support judges against the labelled claims",
    )
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold JSONL file (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for run folders (default: %(default)s)")
    parser.add_argument("--k", type=_positive_int, default=10, help="retrieval depth (default: 10)")
    parser.add_argument(
        "--limit", type=_positive_int, default=None, help="only the first N questions (judges: labelled claims)"
    )
    parser.add_argument(
        "--judge",
        nargs="+",
        choices=sorted({*JUDGE_CHOICES, *SUPPORT_JUDGES}),
        default=None,
        metavar="NAME",
        help="retrieval/answers/all: the ragas judge, one of none, embedded (default: the assistant's model), "
        "openai (settings.llm or --judge-url/--judge-model/--judge-key). judges: the support judges to score, "
        f"any of {', '.join(SUPPORT_JUDGES)} (default: {' '.join(DEFAULT_SUPPORT_JUDGES)})",
    )
    parser.add_argument(
        "--support-judge",
        choices=("none", *SUPPORT_JUDGES),
        default=None,
        help="judge of every answer sentence against its spans (faithfulness, claim recall); default: "
        "evals.judges.DEFAULT_JUDGE",
    )
    parser.add_argument(
        "--support-budget",
        type=float,
        default=DEFAULT_SUPPORT_BUDGET_S,
        metavar="SECONDS",
        help="stop the support judge after this many seconds; answers left are reported as not judged "
        "(default: %(default)s; the embedded judge takes 3-8 s per sentence on 2 cores; 0: no limit)",
    )
    parser.add_argument("--labels", type=Path, default=None, help="judges: labelled claims (default: evals/labels)")
    parser.add_argument(
        "--judge-limit",
        type=_non_negative_int,
        default=DEFAULT_JUDGE_LIMIT,
        help="judge only the first N answered questions with ragas (default: %(default)s, so that `eval all` stays "
        "within 20 minutes on 2 cores: a 1.5B judge takes ~30-140 s per answer there)",
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
    """Builds the :class:`evals.ragas_metrics.RagasJudge` on first use (the embedded endpoint exists once loaded)."""

    factory: Callable[[], AnswerScorer]
    _judge: AnswerScorer | None = None

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


def _make_judge(args: argparse.Namespace, assistant: Assistant, settings: Settings) -> AnswerScorer | None:
    if args.judge == "none" or args.what == "retrieval":
        return None
    url, model, key = _judge_endpoint(args, settings)
    timeout = settings.llm.timeout_s

    def build() -> AnswerScorer:
        from evals.ragas_metrics import RagasJudge

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
                f"{METRIC_LABELS.get(n, n)} {fmt(s['overall'][n]['mean'])}"
                for n in ("hit@1", "hit@5", "mrr@10", "ndcg@10")
                if n in s["overall"]
            )
            print(f"  {mode:7} {figures}  p50 {fmt(ms(s['latency']['p50']), 1)} ms")
    answers = report.get("answers")
    if answers:
        o = answers["overall"]
        print(
            f"answers ({o['n']}): keyword acc {fmt(o['keyword_accuracy']['mean'])}, abstention acc "
            f"{fmt(o['abstention_accuracy'])}, false abstention {fmt(o['false_abstention_rate'])}, citation P "
            f"{fmt(o['citation_precision']['mean'])} R {fmt(o['citation_recall']['mean'])}, support "
            f"{fmt(o['citation_support']['mean'])}, p50 {fmt(o['latency_p50'], 2)} s, errors "
            f"{len(answers['errors'])}"
        )
        print(
            f"list P {fmt(o['list_precision']['mean'])} R {fmt(o['list_recall']['mean'])}, span support "
            f"{fmt(o['span_support']['mean'])}, answers with a number absent from their span "
            f"{o['answers_with_absent_number']}, claim recall {fmt(o['claim_recall']['mean'])}, routes "
            + ", ".join(f"{k} {v}" for k, v in o["routes"].items())
        )
        print(
            f"summaries citing >= 2 relevant entries {fmt(o['summary_ok']['mean'])} "
            f"({o['summary_ok']['count']}), unanswerable declined with nothing cited "
            f"{fmt(o['declined_clean']['mean'])} ({o['declined_clean']['count']})"
        )
        styles = answers.get("per_style") or {}
        if len(styles) > 1:
            print(
                "per style (n, keyword acc, false abstention): "
                + "; ".join(
                    f"{k} {r['n']} {fmt(r['keyword_accuracy']['mean'])} {fmt(r['false_abstention_rate'])}"
                    for k, r in styles.items()
                )
            )
        print("faithfulness " + faithfulness_text(o["faithfulness"], answers.get("support_judge")))
        ragas = answers["ragas"]
        if ragas["judge"] != "none":
            print(
                "judge: "
                + ", ".join(
                    f"{n} {fmt(m['mean'])} ({m['scored']} scored, {m['failed']} failed)"
                    for n, m in ragas["llm"].items()
                )
            )
    comparison = report.get("comparison")
    if comparison:
        moved = [
            f"{n} {signed(d['delta'])}"
            for n, d in comparison["deltas"].items()
            if d["delta"] and "latency" not in n and "ttft" not in n
        ]
        print(f"vs {comparison['previous_run']}: " + (", ".join(moved) if moved else "no metric changed"))


def _ragas_judge_name(args: argparse.Namespace) -> str:
    """The one ragas judge name ``--judge`` gives for retrieval/answers/all (default: embedded)."""
    names = args.judge or ["embedded"]
    if len(names) != 1 or names[0] not in JUDGE_CHOICES:
        raise EvalError(
            f"--judge for 'eval {args.what}' takes one of {', '.join(JUDGE_CHOICES)} (the ragas judge), got "
            f"{' '.join(names)}; support judges are scored with 'eval judges --judge NAME ...'"
        )
    return names[0]


def _support_judge_name(args: argparse.Namespace) -> str:
    from evals.judges import DEFAULT_JUDGE

    return "none" if args.what == "retrieval" else args.support_judge or DEFAULT_JUDGE


def _make_support_judge(args: argparse.Namespace, assistant: Assistant, settings: Settings) -> SupportJudge | None:
    name = _support_judge_name(args)
    if name == "none":
        return None
    from evals.judges import make_judge

    try:
        return make_judge(
            name,
            chat_model=assistant.chat_model if name in MODEL_JUDGES and not args.judge_url else None,
            base_url=args.judge_url or (settings.llm.base_url if name == "openai" else None),
            model=args.judge_model,
            api_key=args.judge_key,
            timeout_s=settings.llm.timeout_s,
        )
    except ValueError as exc:
        raise EvalError(str(exc)) from exc


def _judge_factories(args: argparse.Namespace, settings: Settings) -> dict[str, Callable[[], SupportJudge]]:
    """One lazy factory per judge named by ``--judge`` (the embedded model is loaded once and shared)."""
    from evals.judges import make_judge

    names = list(dict.fromkeys(args.judge or DEFAULT_SUPPORT_JUDGES))
    unknown = [n for n in names if n not in SUPPORT_JUDGES]
    if unknown:
        raise EvalError(f"unknown support judge(s) {', '.join(unknown)}; use any of {', '.join(SUPPORT_JUDGES)}")
    shared: dict[str, ChatModel] = {}

    def factory(name: str) -> Callable[[], SupportJudge]:
        def build() -> SupportJudge:
            if name in MODEL_JUDGES and not args.judge_url and "model" not in shared:
                from evals.judges import embedded_model

                shared["model"] = embedded_model(settings)
            return make_judge(
                name,
                chat_model=shared.get("model"),
                base_url=args.judge_url or (settings.llm.base_url if name == "openai" else None),
                model=args.judge_model,
                api_key=args.judge_key,
                timeout_s=settings.llm.timeout_s,
            )

        return build

    return {name: factory(name) for name in names}


def run_judges_from_cli(args: argparse.Namespace, settings: Settings) -> int:
    """``assistant eval judges``: score the support judges on the labelled claims; print the table."""
    from evals.judges.report import judge_rows, run_judges
    from evals.support_labels import DEFAULT_LABELS, LabelsFileError

    labels = args.labels or DEFAULT_LABELS
    try:
        if not Path(labels).is_file():
            raise EvalError(f"no labelled claims at {labels} (give --labels FILE)")
        run_dir, report = run_judges(
            Path(labels), _judge_factories(args, settings), args.out, limit=args.limit, progress=print
        )
    except (EvalError, LabelsFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"report: {run_dir / 'judges.md'} (thresholds from {report['n_calibration']} calibration items, "
        f"figures on {report['n_test']} test items)"
    )
    print("judge | balanced acc | P unsup | R unsup | kappa | failures | s/item | threshold")
    for row in judge_rows(report["judges"]):
        print(" | ".join(row[:8]))
    for r in report["judges"]:
        if r.get("all"):
            a = r["all"]
            kinds = ", ".join(f"{k} {v['right']}/{v['n']}" for k, v in r["per_category_all"].items())
            print(
                f"{r['judge']} on all {a['n']} items: balanced acc {a['balanced_accuracy']:.3f}, recall unsupported "
                f"{a['recall_unsupported']:.3f}, accepts supported {a['recall_supported']:.3f}; {kinds}"
            )
    return 0


def run_from_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``assistant eval`` with parsed ``args``; returns the exit code (2 for a bad gold file or set-up)."""
    if args.what == "judges":
        return run_judges_from_cli(args, settings)
    try:
        args.judge = _ragas_judge_name(args)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = EvalOptions(
        k=args.k or 10,
        limit=args.limit,
        judge=args.judge,
        judge_limit=args.judge_limit,
        support_judge=_support_judge_name(args),
        support_budget_s=args.support_budget or None,
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
            assistant,
            args.gold,
            args.what,
            args.out,
            options,
            judge=_make_judge(args, assistant, settings),
            support_judge=_make_support_judge(args, assistant, settings),
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
