"""Load benchmark for the web UI's API: N concurrent gradio_client users mixing record questions (answered from
the entries' metadata) and model questions, against the real app (real index, real chat model).

    flock /tmp/llm.lock python -m evals.bench.load_bench [--users 6] [--rounds 2] [--url URL] [--json]
        [--idle-model SECONDS] [--model-nice N]

Without ``--url`` the app is started in a child process (as a real server would be: the users' clients must not
share its interpreter) on a free loopback port with the default settings (ASSISTANT_* variables apply). Every
user asks ``--rounds`` model questions and, between them, two record questions, all at once. Prints answered/error
counts and latency percentiles per kind; the targets: every question answered, no errors, record-answer p95 <= 1 s
while model answers queue. Exit status 1 when a target is missed. It runs the real model: hold ``/tmp/llm.lock`` so
no other process runs one at the same time.

``--idle-model SECONDS`` swaps the chat model for a stand-in that sleeps that long per answer and uses no CPU: the
same queueing with the model idle, which separates what the server itself costs record answers from what the
model's computation takes from them. ``--model-nice N`` runs the embedded model's threads at nice N instead of
the default (0 shows what the model takes from record answers at full priority).

The users share one TLS context: gradio_client otherwise builds a new one (loading the CA bundle, about 20 ms of CPU)
for every request and every event stream, in this process, on the same cores as the server, which real users'
browsers do not. ``load_cpu_s`` in the figures is what the load generator itself used.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import index  # noqa: F401  (offline defaults first)

RECORD_QUESTIONS = (
    "Who talks at 4:20 pm on Wednesday?",
    "Which speakers are from EPFL?",
    "How many authors does Pointer Networks have?",
    "Who gives the talk on Monday at 9:20 am?",
    "When is the talk by Mitya Chklovskii?",
    "Who presents the tutorial on probabilistic numerics?",
)
MODEL_QUESTIONS = (
    "What problem do Pointer Networks address?",
    "What does the tutorial on probabilistic numerics argue about computation?",
    "What is the main idea of the paper Diffusion Models are Evolutionary Algorithms?",
    "Which mathematical library does the Lean tutorial introduce?",
)


_T0 = time.perf_counter()
_TLS: ssl.SSLContext | None = None  # built once, shared by every user's client


def _tls() -> ssl.SSLContext:
    """The verifying TLS context every user's client uses (certifi's CA bundle, as httpx would load per request)."""
    global _TLS
    if _TLS is None:
        import certifi

        _TLS = ssl.create_default_context(cafile=certifi.where())
    return _TLS


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class IdleModel:
    """A chat model that takes ``seconds`` per reply without using the CPU (it sleeps), then replies with nothing
    the verifier can use (so answers fall back to quotes or abstain, as they would for a useless model)."""

    name = "idle-stand-in"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def stream(self, messages: Any, *, max_tokens: int, temperature: float = 0.0) -> Any:
        """Sleep, then one short reply."""
        time.sleep(self.seconds)
        yield "No comment."

    def next_token_logprobs(self, messages: Any, top: int = 10) -> dict[str, float]:
        """Unused by answers; present for the protocol."""
        return {"No": 0.0}


def start_app(idle_model: float | None = None) -> tuple[str, Any]:
    """The app with default settings on a free loopback port; returns (url, app). With ``idle_model`` the chat model
    is an IdleModel of that many seconds."""
    from assistant.api import Assistant
    from assistant.settings import Settings
    from assistant.ui import build_app, launch_kwargs
    from assistant.ui.turns import warm_up

    settings = Settings()
    settings.ui.host, settings.ui.port = "127.0.0.1", _free_port()
    assistant = Assistant(settings, chat_model=IdleModel(idle_model) if idle_model is not None else None)
    _ = assistant.chat_model  # assemble and load the model before the clock starts
    load = getattr(assistant.chat_model, "load", None)
    if load is not None:
        load()  # the embedded model loads lazily, on its first request otherwise
    warm_up(assistant)  # what the UI does on its first page load
    app = build_app(lambda: assistant, settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{settings.ui.port}/", app


_READY = "LOAD_BENCH_READY "


def serve(idle_model: float | None, model_nice: int | None) -> None:
    """The app on a free port until stdin closes (the child side of ``spawn_app``)."""
    if model_nice is not None:
        from assistant.llm import embedded

        embedded.MODEL_NICE = model_nice
    url, app = start_app(idle_model)
    print(_READY + url, flush=True)
    sys.stdin.read()
    app.close()


def spawn_app(idle_model: float | None, model_nice: int | None) -> tuple[str, subprocess.Popen[str]]:
    """Start ``serve`` in a child process; returns (url, process) once it answers."""
    command = [sys.executable, "-m", "evals.bench.load_bench", "--serve"]
    if idle_model is not None:
        command += ["--idle-model", str(idle_model)]
    if model_nice is not None:
        command += ["--model-nice", str(model_nice)]
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(_READY):
            # Keep draining its output so that the child never blocks on a full pipe.
            threading.Thread(target=child.stdout.read, daemon=True).start()
            return line[len(_READY) :].strip(), child
    child.wait()
    raise SystemExit(f"the app did not start (exit status {child.returncode})")


def stop_app(child: subprocess.Popen[str]) -> None:
    """Ask the child to close its app, and make sure it has gone."""
    assert child.stdin is not None
    child.stdin.close()
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def user(url: str, number: int, rounds: int, results: list[dict[str, Any]], start: threading.Barrier) -> None:
    """One user: model and record questions in turn, each timed."""
    from gradio_client import Client

    client = Client(url, verbose=False, ssl_verify=_tls())  # type: ignore[arg-type]  (httpx takes a context)
    plan: list[tuple[str, str]] = []
    for r in range(rounds):
        plan.append(("model", MODEL_QUESTIONS[(number + r) % len(MODEL_QUESTIONS)]))
        plan += [("record", RECORD_QUESTIONS[(number + r + i) % len(RECORD_QUESTIONS)]) for i in range(2)]
    # Untimed: a server's first request pays about a second of one-time set-up (as a page load would), not a load.
    client.predict(RECORD_QUESTIONS[number % len(RECORD_QUESTIONS)], "All", "All", 6, api_name="/ask")
    start.wait()
    for kind, question in plan:
        # model questions are submitted without waiting, so record questions arrive while they queue
        began = time.perf_counter()
        if kind == "model":
            job = client.submit(question, "All", "All", 6, api_name="/ask")
            threading.Thread(target=_finish, args=(job, kind, question, began, results), daemon=True).start()
            time.sleep(0.2)
            continue
        _finish(None, kind, question, began, results, client)


def _finish(
    job: Any, kind: str, question: str, began: float, results: list[dict[str, Any]], client: Any = None
) -> None:
    row: dict[str, Any] = {"kind": kind, "question": question}
    try:
        text, sources = (
            job.result(timeout=900) if job is not None else client.predict(question, "All", "All", 6, api_name="/ask")
        )
        row.update(ok=bool(text), abstained=bool(sources.get("abstained")), route=sources.get("route"))
        row["pipeline_s"] = sources.get("seconds")  # the time inside Assistant.ask, on the server
    except Exception as exc:  # counted, not raised: the figures say how many failed
        row.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
    row["seconds"] = round(time.perf_counter() - began, 3)
    row["at"] = round(began - _T0, 2)  # when it was asked, from the start of the run
    results.append(row)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarise(results: list[dict[str, Any]], expected: int, wall: float) -> dict[str, Any]:
    """The figures printed (and the targets checked)."""
    out: dict[str, Any] = {"questions": expected, "answered": sum(r["ok"] for r in results)}
    first = min((r["at"] for r in results), default=0.0)
    out["errors"] = sum(not r["ok"] for r in results) + (expected - len(results))
    for kind in ("record", "model"):
        secs = [r["seconds"] for r in results if r["kind"] == kind and r["ok"]]
        out[f"{kind}_count"] = len(secs)
        out[f"{kind}_p50_s"] = percentile(secs, 50)
        out[f"{kind}_p95_s"] = percentile(secs, 95)
        out[f"{kind}_max_s"] = max(secs) if secs else None
        out[f"{kind}_mean_s"] = round(statistics.fmean(secs), 3) if secs else None
        inside = [r["pipeline_s"] for r in results if r["kind"] == kind and r["ok"] and r.get("pipeline_s") is not None]
        out[f"{kind}_pipeline_p95_s"] = percentile(inside, 95)
    out["wall_s"] = round(wall, 1)
    out["load_cpu_s"] = round(time.process_time(), 1)  # this process: the users' clients
    out["error_samples"] = [r["error"] for r in results if not r["ok"]][:3]
    slow = sorted((r for r in results if r["kind"] == "record" and r["ok"]), key=lambda r: -r["seconds"])[:3]
    out["slowest_record"] = [
        f"{r['seconds']:.2f} s ({r['pipeline_s']} s in the pipeline, asked at +{r['at'] - first:.1f} s) {r['route']}: "
        f"{r['question']}"
        for r in slow
    ]
    p95 = out["record_p95_s"]
    out["targets_met"] = out["errors"] == 0 and out["answered"] == expected and p95 is not None and p95 <= 1.0
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2, help="model questions per user (each with 2 record ones)")
    parser.add_argument("--url", help="an app already running (default: start one in a child process)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--idle-model", type=float, metavar="SECONDS", help="a stand-in model that sleeps SECONDS per answer"
    )
    parser.add_argument("--model-nice", type=int, metavar="N", help="nice of the embedded model's threads")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.users < 1 or args.rounds < 1:
        parser.error("--users and --rounds must be at least 1")
    if args.idle_model is not None and args.idle_model < 0:
        parser.error("--idle-model takes seconds >= 0")
    if args.model_nice is not None and not 0 <= args.model_nice <= 19:
        parser.error("--model-nice takes 0 to 19")
    if args.url is not None and (args.idle_model is not None or args.model_nice is not None):
        parser.error("--idle-model and --model-nice start their own app (no --url)")
    if args.serve:
        serve(args.idle_model, args.model_nice)
        return 0
    child = None
    url = args.url
    if url is None:
        url, child = spawn_app(args.idle_model, args.model_nice)
    results: list[dict[str, Any]] = []
    _tls()
    barrier = threading.Barrier(args.users)
    threads = [threading.Thread(target=user, args=(url, i, args.rounds, results, barrier)) for i in range(args.users)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = args.users * args.rounds * 3
    deadline = time.perf_counter() + 1800
    while len(results) < expected and time.perf_counter() < deadline:  # model answers still streaming in
        time.sleep(0.5)
    figures = summarise(results, expected, time.perf_counter() - began)
    if child is not None:
        stop_app(child)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:16} {value}")
    return 0 if figures["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
