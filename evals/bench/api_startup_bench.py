"""What the /v1 APIs add to ``assistant serve`` start-up: the time from starting the command until its page answers,
with the APIs on and off (``ASSISTANT_API__ENABLED``), in alternation so that the machine's drift hits both alike.

    python -m evals.bench.api_startup_bench [--runs 3] [--json]

Each run starts ``python -m assistant.cli serve --port P --backend fake`` on a free loopback port and polls ``GET /``
(and, with the APIs on, ``GET /v1/models``) until it answers 200, then stops the server; it records the wall time
and the CPU time the server process had used by then (from /proc: on a machine shared with other work the wall
time of a start varies by seconds, its CPU time much less). A last child process times, alone, what the APIs add
in process: importing ``assistant.http_api`` and building its app, once the UI's own imports are done. Target: the
APIs add at most 0.5 s, by the CPU-time medians and in process (the wall-time medians are printed too). Bounded:
120 s per start at most."""

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


_IN_PROCESS = """
import time
import assistant.ui.server
from assistant.settings import Settings
from assistant.ui.turns import Shared
began = time.perf_counter()
from assistant.http_api.app import add_to_launch
add_to_launch(Shared(lambda: None), Settings(), {})
print(time.perf_counter() - began)
"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process_cost() -> float:
    """Seconds that importing the API modules and building the API app take once the UI's imports are done."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run([sys.executable, "-c", _IN_PROCESS], cwd=ROOT, env=env, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def start_once(api: bool, limit_s: float = 120) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from launching ``assistant serve`` until it answers (the API's models route too,
    when on)."""
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
                    return time.perf_counter() - began, cpu_seconds(child.pid)
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
    on: list[tuple[float, float]] = []
    off: list[tuple[float, float]] = []
    for _ in range(args.runs):
        off.append(start_once(False))
        on.append(start_once(True))
    figures: dict[str, Any] = {}
    for i, what in enumerate(("wall", "cpu")):
        figures[f"{what}_on_s"] = [round(x[i], 2) for x in on]
        figures[f"{what}_off_s"] = [round(x[i], 2) for x in off]
        median_on, median_off = statistics.median(x[i] for x in on), statistics.median(x[i] for x in off)
        figures[f"{what}_added_s"] = round(median_on - median_off, 2)
    figures["in_process_added_s"] = round(in_process_cost(), 3)
    figures["target_met"] = figures["cpu_added_s"] <= 0.5 and figures["in_process_added_s"] <= 0.5
    print(json.dumps(figures) if args.json else "\n".join(f"{k:14} {v}" for k, v in figures.items()))
    return 0 if figures["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
