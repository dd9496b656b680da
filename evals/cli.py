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
from evals.report import METRIC_LABELS, fmt, ms, signed
from evals.runner import DEFAULT_OUT, WHAT_CHOICES, EvalOptions, EvalResult, Judge, run_eval

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.settings import Settings
    from evals.judge import JudgeResult

__all__ = ["JUDGE_CHOICES", "add_eval_arguments", "run_from_cli"]

JUDGE_CHOICES: tuple[str, ...] = ("none", "embedded", "openai")


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


def _make_judge(args: argparse.Namespace, assistant: Assistant, settings: Settings) -> Judge | None:
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
