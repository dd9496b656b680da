"""Answer benchmark: retrieval p50/p95, time to first verified sentence, end-to-end answer time p50/p95 with the
configured chat model (the embedded Qwen by default). Targets on 2 cores: retrieval p50 <= 50 ms, answers that
need the model p50 <= 5 s, answers that need none (record, yes/no from the records, list, summary) p95 <= 1.5 s,
question understanding included.

Questions come from the dev set (evals/dev_set.jsonl); metadata questions are answered without the model, so the
answer figures are reported for all questions and for model-generated answers separately."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from assistant import Assistant
from evals.gold import load_gold


def pct(values: list[float], p: float) -> float:
    """Percentile by linear interpolation."""
    s = sorted(values)
    if not s:
        return float("nan")
    i = (len(s) - 1) * p / 100
    lo, hi = int(i), min(int(i) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (i - lo)


class _CallCounter:
    """Wraps the assistant's chat model and counts its calls, so that an answer is classed by whether it asked the
    model (a record answer whose content part asked it and kept nothing counts as a model answer)."""

    def __init__(self, model: object) -> None:
        self.model = model
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def stream(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self.model.stream(*args, **kwargs)  # type: ignore[attr-defined]


def main() -> None:
    """Print latency figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", default="evals/dev_set.jsonl")
    parser.add_argument("--answers", type=int, default=24, help="questions to answer end to end")
    parser.add_argument("--kinds", default="", help="comma-separated question kinds to answer (default: all)")
    args = parser.parse_args()
    gold = load_gold(Path(args.gold))
    questions = [g.question for g in gold]
    kinds = {k for k in args.kinds.split(",") if k}
    to_answer = [g.question for g in gold if not kinds or g.kind in kinds]
    a = Assistant()
    a.retrieve("warm up")
    retrieval = []
    for q in questions:
        t = time.perf_counter()
        a.retrieve(q, k=10)
        retrieval.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    a.chat_model.load() if hasattr(a.chat_model, "load") else None
    load_s = time.perf_counter() - t
    counter = _CallCounter(a.chat_model)
    a.replace_chat_model(counter)  # type: ignore[arg-type]
    evidence, ttfts = [], []
    by_family: dict[str, list[float]] = {"model": [], "record": [], "list": [], "summary": [], "abstained early": []}
    step = max(1, len(to_answer) // args.answers)
    for q in to_answer[::step][: args.answers]:
        start, calls = time.perf_counter(), counter.calls
        for event in a.ask_stream(q):
            if event.kind == "evidence":
                evidence.append(time.perf_counter() - start)
            if event.kind == "final" and event.answer is not None:
                ans = event.answer
        ttfts.append(ans.first_token_seconds or ans.seconds)
        family = "model" if counter.calls > calls else ans.route.split(":", 1)[0]
        by_family.setdefault(family if family in by_family else "abstained early", []).append(ans.seconds)
    print(f"questions:            {len(questions)} retrieval, {len(ttfts)} answered end to end")
    print(f"retrieval:            p50 {pct(retrieval, 50):.1f} ms, p95 {pct(retrieval, 95):.1f} ms")
    print(f"model load:           {load_s:.1f} s ({getattr(a.chat_model, 'name', '?')})")
    print(f"evidence shown:       p50 {pct(evidence, 50):.2f} s, p95 {pct(evidence, 95):.2f} s")
    print(f"time to first text:   p50 {pct(ttfts, 50):.2f} s, p95 {pct(ttfts, 95):.2f} s")
    for family, seconds in by_family.items():
        if seconds:
            print(
                f"answer ({family}):".ljust(22) + f"p50 {pct(seconds, 50):.2f} s, p95 {pct(seconds, 95):.2f} s "
                f"(n={len(seconds)})"
            )
    model = by_family["model"]
    fast = by_family["record"] + by_family["list"] + by_family["summary"]
    print(
        f"targets: retrieval p50 <= 50 ms {'OK' if pct(retrieval, 50) <= 50 else 'MISSED'}; "
        f"model answers p50 <= 5 s {'OK' if model and pct(model, 50) <= 5 else 'MISSED'}; "
        f"record, list and summary answers p95 <= 1.5 s {'OK' if fast and pct(fast, 95) <= 1.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
