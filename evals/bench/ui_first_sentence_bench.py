"""Time to the first visible answer sentence, measured in the browser (issue 29): the web UI served in process with
the configured index and chat model (the embedded Qwen by default), Debian chromium typing each question and
watching the page. For each question: seconds from Enter to the list of entries being read, to the first checked
answer sentence on screen, and to the finished answer; whether it asked the model and the route it took.

Targets on 2 cores, for answers that asked the model: first sentence p50 <= 3 s, evidence list <= 0.5 s.
Questions: the dev set's content and paraphrase questions (those that need the model). Run alone: another
llama.cpp process on the same cores slows both several-fold.

    python -m evals.bench.ui_first_sentence_bench --questions 12 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from assistant import Assistant
from assistant.settings import load_settings
from assistant.ui import build_app, launch_kwargs
from evals.bench.answer_bench import _CallCounter, pct
from evals.bench.browser import ARGS, CHROMIUM
from evals.gold import load_gold

# In the page: the last turn's state, polled every 20 ms by the page itself, so that the times are the browser's.
WATCH = """async (index) => {
  const t0 = performance.now();
  const out = {};
  while (performance.now() - t0 < 120000) {
    const t = document.querySelectorAll('#ra-conv .ra-turn')[index];
    const now = (performance.now() - t0) / 1000;
    if (t) {
      if (out.evidence === undefined && t.querySelector('.ra-evidence li')) out.evidence = now;
      const a = t.querySelector('.ra-a');
      if (out.first === undefined && a && a.innerText.trim()) { out.first = now; out.first_text = a.innerText; }
      if (['done', 'error', 'stopped'].includes(t.dataset.status)) {
        out.done = now; out.status = t.dataset.status;
        out.route = t.querySelector('.ra-route')?.innerText || '';
        return out;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}"""


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def model_questions(gold: Path, n: int) -> list[str]:
    """The first ``n`` dev-set questions written to need the model (content and paraphrase kinds)."""
    return [g.question for g in load_gold(gold) if g.kind in ("content", "paraphrase")][:n]


def ask(page: Any, question: str) -> dict[str, Any]:
    """Type the question, press Enter and watch the page until the answer is finished."""
    index = page.evaluate("document.querySelectorAll('#ra-conv .ra-turn').length")
    box = page.locator("#ra-question textarea")
    box.fill(question)
    page.evaluate(f"(i) => {{ window.raWatch = ({WATCH})(i); }}", index)  # watching starts before Enter
    box.press("Enter")
    return dict(page.evaluate("() => window.raWatch"))


def main() -> None:
    """Serve the UI, ask the questions in chromium and print one JSON summary line (and per-question rows)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=Path("evals/dev_set.jsonl"))
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--json", type=Path, help="also write the rows and summary here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    settings = load_settings()
    settings.ui.port = free_port()
    counter: dict[str, _CallCounter] = {}

    def make() -> Assistant:
        assistant = Assistant(settings)
        counter["model"] = _CallCounter(assistant.chat_model)
        assistant.replace_chat_model(counter["model"])  # type: ignore[arg-type]
        return assistant

    app = build_app(make, settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    rows: list[dict[str, Any]] = []
    try:
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(f"http://127.0.0.1:{settings.ui.port}/")
            page.wait_for_function("document.querySelector('#ra-intro')?.innerText.includes('Ask')", timeout=600_000)
            ask(page, "What is Pointer Networks about?")  # warm-up: the model's first prompt fills its cache
            for question in model_questions(args.gold, args.questions):
                before = counter["model"].calls
                row = ask(page, question)
                row.update(question=question, asked_model=counter["model"].calls > before)
                rows.append(row)
                print(json.dumps({k: v for k, v in row.items() if k != "first_text"}), flush=True)
            browser.close()
    finally:
        app.close()
    summary = summarise(rows)
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1), encoding="utf-8")


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """p50/p95 of evidence, first sentence and done over the answers that asked the model (and over all)."""
    model = [r for r in rows if r.get("asked_model")]
    out: dict[str, Any] = {"questions": len(rows), "asked_model": len(model)}
    for name, group in (("model", model), ("all", rows)):
        for key in ("evidence", "first", "done"):
            values = [float(r[key]) for r in group if r.get(key) is not None]
            out[f"{name}_{key}_p50_s"] = round(pct(values, 50), 3) if values else None
            out[f"{name}_{key}_p95_s"] = round(pct(values, 95), 3) if values else None
    out["model_routes"] = sorted({str(r.get("route", "")).split(" · ")[0] for r in model})
    return out


if __name__ == "__main__":
    main()
