"""Fill the log-probability cache with the embedded model's answers on the labelled claims, a chunk at a time.

``python -m evals.judges.collect --start 0 --count 50`` asks the default judge's yes/no questions
(:data:`evals.judges.combined.DEFAULT_QUESTIONS`; ``--question`` for others) about labelled claims 0-49 (those already
cached cost nothing) and prints the seconds per claim and question. Run it under the model lock,
one chunk per lock hold, so that other users of the model are not starved::

    for s in 0 50 100; do flock /tmp/llm.lock .venv/bin/python -m evals.judges.collect --start $s --count 50; done

Calibration and scoring then read only the cache (:mod:`evals.judges.fit`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from evals.judges.cache import DEFAULT_CACHE

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Collect one chunk; prints a JSON summary (items, cache hits, misses, seconds per asked item)."""
    parser = argparse.ArgumentParser(prog="python -m evals.judges.collect", description=__doc__.split("\n")[0])
    parser.add_argument("--start", type=int, default=0, help="first labelled claim (0-based)")
    parser.add_argument("--count", type=int, default=50, help="how many labelled claims")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache file (JSONL)")
    parser.add_argument("--labels", type=Path, default=None, help="labelled claims (default: evals/labels)")
    parser.add_argument("--missing-only", action="store_true", help="skip claims already in the cache first")
    parser.add_argument(
        "--shuffled",
        action="store_true",
        help="take the claims in a fixed random order (seed 0), so that any prefix is a random sample of both halves",
    )
    parser.add_argument("--question", action="append", help="model feature whose question to ask (repeatable)")
    args = parser.parse_args(argv)
    if args.start < 0 or args.count < 1:
        print("--start must be >= 0 and --count >= 1", file=sys.stderr)
        return 2

    from evals.judges import embedded_model
    from evals.judges.cache import CachedChatModel, LogprobCache, request_key
    from evals.judges.combined import DEFAULT_QUESTIONS, QUESTIONS
    from evals.judges.model import YesNoJudge, support_messages
    from evals.support_labels import DEFAULT_LABELS, load_labels

    questions = args.question or list(DEFAULT_QUESTIONS)
    unknown = [q for q in questions if q not in QUESTIONS]
    if unknown:
        print(f"unknown question {unknown}; use {sorted(QUESTIONS)}", file=sys.stderr)
        return 2
    versions = [QUESTIONS[q][0] for q in questions]
    items = load_labels(args.labels or DEFAULT_LABELS)
    if args.shuffled:
        random.Random(0).shuffle(items)
    chat = embedded_model(None)
    model = CachedChatModel(LogprobCache(args.cache), chat)
    if args.missing_only:
        items = [
            i
            for i in items
            if any(
                request_key(model.name, support_messages(i.claim, i.evidence, v), 10) not in model.cache
                for v in versions
            )
        ]
    items = items[args.start : args.start + args.count]
    if hasattr(chat, "load"):
        chat.load()  # loaded before timing, so the first claim's seconds are the model's alone
    judges = [YesNoJudge(model, timeout_s=None, prompt_version=v) for v in versions]
    failures: list[str] = []
    asked_seconds: list[float] = []
    for item in items:
        for judge in judges:
            misses = model.misses
            start = time.perf_counter()
            if judge.score(item.claim, item.evidence) is None:
                failures.append(f"{item.id} {judge.prompt_version}: {judge.last_failure}")
            if model.misses > misses:
                asked_seconds.append(time.perf_counter() - start)
    summary = {
        "items": len(items),
        "hits": model.hits,
        "misses": model.misses,
        "failures": failures,
        "questions": questions,
        "seconds_per_asked_question": round(sum(asked_seconds) / len(asked_seconds), 3) if asked_seconds else None,
        "cache_size": len(model.cache),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
