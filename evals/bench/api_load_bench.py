"""Load benchmark for the /v1 APIs: N concurrent API clients (the ``openai`` SDK, and plain HTTP for REST) mixing
record questions (answered from the entries' metadata) and model questions, against ``assistant serve`` as it runs
(Gradio and the APIs on one port; real index, real chat model).

    flock /tmp/llm.lock python -m evals.bench.api_load_bench [--users 8] [--rounds 1] [--idle-model SECONDS] [--json]

The app runs in a child process on a free loopback port with the default settings (ASSISTANT_* variables apply).
Each user, all at once: per round, one model question streamed through ``chat.completions`` (submitted without
waiting, so it queues for the one model), then two record questions, one through ``chat.completions`` and one
through ``POST /v1/ask``, each timed. Targets: every question answered (nothing dropped, no error) and record
answers' p95 <= 1.5 s while model answers queue. Bounded: at most ``--timeout`` seconds (default 900) for the
whole run; exit status 1 when a target is missed. ``--idle-model SECONDS`` swaps the chat model for a stand-in
that sleeps that long per answer (the queueing without the model's CPU use)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import index  # noqa: F401  (offline defaults first)
from evals.bench.load_bench import MODEL_QUESTIONS, RECORD_QUESTIONS, IdleModel, _free_port, percentile

_READY = "API_LOAD_BENCH_READY "
_T0 = time.perf_counter()


def serve(idle_model: float | None) -> None:
    """The app with its APIs on a free port until stdin closes (the child side of ``spawn``)."""
    from assistant.api import Assistant
    from assistant.http_api.app import add_to_launch
    from assistant.settings import Settings
    from assistant.ui import build_app, launch_kwargs
    from assistant.ui.turns import Shared, warm_up

    settings = Settings()
    settings.ui.host, settings.ui.port = "127.0.0.1", _free_port()
    assistant = Assistant(settings, chat_model=IdleModel(idle_model) if idle_model is not None else None)
    load = getattr(assistant.chat_model, "load", None)
    if load is not None:
        load()  # the embedded model loads lazily, on its first request otherwise
    warm_up(assistant)
    shared = Shared(lambda: assistant)
    app = build_app(shared.get, settings, shared=shared)
    options = launch_kwargs(settings)
    add_to_launch(shared, settings, options)
    app.launch(**options, prevent_thread_lock=True, quiet=True)
    print(_READY + f"http://127.0.0.1:{settings.ui.port}", flush=True)
    sys.stdin.read()
    app.close()


def spawn(idle_model: float | None) -> tuple[str, subprocess.Popen[str]]:
    """Start ``serve`` in a child process; returns (base URL, process) once it listens."""
    command = [sys.executable, "-m", "evals.bench.api_load_bench", "--serve"]
    if idle_model is not None:
        command += ["--idle-model", str(idle_model)]
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(_READY):
            threading.Thread(target=child.stdout.read, daemon=True).start()
            return line[len(_READY) :].strip(), child
    child.wait()
    raise SystemExit(f"the app did not start (exit status {child.returncode})")


def user(url: str, number: int, rounds: int, results: list[dict[str, Any]], start: threading.Barrier) -> None:
    """One API client: model and record questions in turn, each timed."""
    import httpx
    import openai

    sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=900)
    http = httpx.Client(base_url=url, timeout=900)
    sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": RECORD_QUESTIONS[0]}])  # untimed
    start.wait()
    for r in range(rounds):
        model_q = MODEL_QUESTIONS[(number + r) % len(MODEL_QUESTIONS)]
        threading.Thread(target=_timed, args=(results, "model", model_q, _stream, sdk), daemon=True).start()
        time.sleep(0.2)
        for i, how in enumerate((_chat, _rest)):
            question = RECORD_QUESTIONS[(number + r + i) % len(RECORD_QUESTIONS)]
            _timed(results, "record", question, how, sdk if how is _chat else http)


def _stream(sdk: Any, question: str) -> dict[str, Any]:
    chunks = list(sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": question}], stream=True))
    last = dict(chunks[-1].model_extra or {})
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return {"text": text, "route": last.get("route"), "citations": last.get("citations")}


def _chat(sdk: Any, question: str) -> dict[str, Any]:
    reply = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])
    extra = dict(reply.model_extra or {})
    return {"text": reply.choices[0].message.content, "route": extra.get("route"), "citations": extra.get("citations")}


def _rest(http: Any, question: str) -> dict[str, Any]:
    reply = http.post("/v1/ask", json={"question": question})
    reply.raise_for_status()
    return reply.json()


def _timed(results: list[dict[str, Any]], kind: str, question: str, how: Any, client: Any) -> None:
    row: dict[str, Any] = {"kind": kind, "question": question, "via": how.__name__.strip("_")}
    began = time.perf_counter()
    try:
        data = how(client, question)
        row.update(ok=bool(data.get("text")), route=data.get("route"), cited=len(data.get("citations") or []))
    except Exception as exc:  # counted, not raised: the figures say how many failed
        row.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
    row["seconds"] = round(time.perf_counter() - began, 3)
    row["at"] = round(began - _T0, 2)
    results.append(row)


def summarise(results: list[dict[str, Any]], expected: int, wall: float) -> dict[str, Any]:
    """The figures printed (and the targets checked)."""
    out: dict[str, Any] = {"questions": expected, "answered": sum(r["ok"] for r in results)}
    out["errors"] = sum(not r["ok"] for r in results) + (expected - len(results))
    for kind in ("record", "model"):
        secs = [r["seconds"] for r in results if r["kind"] == kind and r["ok"]]
        out[f"{kind}_count"] = len(secs)
        out[f"{kind}_p50_s"] = percentile(secs, 50)
        out[f"{kind}_p95_s"] = percentile(secs, 95)
        out[f"{kind}_max_s"] = max(secs) if secs else None
    out["wall_s"] = round(wall, 1)
    out["error_samples"] = [r["error"] for r in results if not r["ok"]][:3]
    p95 = out["record_p95_s"]
    out["targets_met"] = out["errors"] == 0 and out["answered"] == expected and p95 is not None and p95 <= 1.5
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="model questions per user (each with 2 record ones)")
    parser.add_argument("--idle-model", type=float, metavar="SECONDS", help="a stand-in model sleeping SECONDS")
    parser.add_argument("--timeout", type=float, default=900, help="most seconds for the whole run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.users < 1 or args.rounds < 1:
        parser.error("--users and --rounds must be at least 1")
    if args.serve:
        serve(args.idle_model)
        return 0
    url, child = spawn(args.idle_model)
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(args.users)
    threads = [
        threading.Thread(target=user, args=(url, i, args.rounds, results, barrier), daemon=True)
        for i in range(args.users)
    ]
    began = time.perf_counter()
    deadline = began + args.timeout
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline - time.perf_counter()))
        expected = args.users * args.rounds * 3
        while len(results) < expected and time.perf_counter() < deadline:  # model answers still streaming in
            time.sleep(0.5)
        figures = summarise(list(results), expected, time.perf_counter() - began)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:16} {value}")
    return 0 if figures["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
