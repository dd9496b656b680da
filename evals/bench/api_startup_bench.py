"""What the /v1 APIs add to ``assistant serve`` start-up: the time from starting the command until its page answers,
with the APIs on and off (``ASSISTANT_API__ENABLED``), in alternation so that the machine's drift hits both alike.

    python -m evals.bench.api_startup_bench [--runs 3] [--json]

Each run starts ``python -m assistant.cli serve --port P --backend fake`` on a free loopback port and polls ``GET /``
(and, with the APIs on, ``GET /v1/models``) until it answers 200, then stops the server. Target: the median with
the APIs on is at most 0.5 s above the median with them off. Bounded: 120 s per start at most."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from evals.bench.load_bench import _free_port

ROOT = Path(__file__).resolve().parents[2]


def start_once(api: bool, limit_s: float = 120) -> float:
    """Seconds from launching ``assistant serve`` until it answers (the API's models route too, when on)."""
    import httpx

    port = _free_port()
    env = {**os.environ, "ASSISTANT_API__ENABLED": "true" if api else "false", "GRADIO_ANALYTICS_ENABLED": "False"}
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--backend", "fake"]
    began = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    paths = ["/", "/v1/models"] if api else ["/"]
    try:
        while time.perf_counter() - began < limit_s:
            try:
                if all(httpx.get(f"http://127.0.0.1:{port}{p}", timeout=2).status_code == 200 for p in paths):
                    return time.perf_counter() - began
            except httpx.HTTPError:
                pass
            if child.poll() is not None:
                raise SystemExit(f"assistant serve exited with status {child.returncode}")
            time.sleep(0.02)
        raise SystemExit(f"assistant serve did not answer within {limit_s:g} s")
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="starts with the APIs on, and as many off")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    start_once(False)  # untimed: fills the page cache, as a second start of the day would find it
    on: list[float] = []
    off: list[float] = []
    for _ in range(args.runs):
        off.append(start_once(False))
        on.append(start_once(True))
    figures: dict[str, Any] = {
        "api_on_s": [round(x, 2) for x in on],
        "api_off_s": [round(x, 2) for x in off],
        "median_on_s": round(statistics.median(on), 2),
        "median_off_s": round(statistics.median(off), 2),
    }
    figures["added_s"] = round(figures["median_on_s"] - figures["median_off_s"], 2)
    figures["target_met"] = figures["added_s"] <= 0.5
    print(json.dumps(figures) if args.json else "\n".join(f"{k:14} {v}" for k, v in figures.items()))
    return 0 if figures["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
