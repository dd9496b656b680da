"""The web UI in Debian chromium (Playwright): one app over the real index (real embedder) with a slow scripted model.

Shows: two questions in a row get two answers; Stop stops; a marker highlights its own source card and earlier
answers keep theirs; Markdown and BibTeX exports parse; filters that match nothing say so; the phone layout;
a reload keeps the conversation; a vote lands in the feedback file; time to first visible content (printed and
written to test-output/ui-timings.json). With RA_UPDATE_SCREENSHOTS=1 the screenshots also go to docs/.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from assistant import Assistant, Settings
from assistant.feedback import feedback_path
from assistant.llm import ScriptedChatModel
from assistant.ui import build_app, launch_kwargs
from tests.helpers import REPO
from tests.helpers.bibtex import parse_bibtex
from tests.helpers.servers import free_port
from tests.helpers.ui import CHROMIUM, ask, open_page, shot, turns, wait_done

ROOT = REPO
RECORD_Q = "Who talks at 4:20 pm on Wednesday?"
MODEL_Q = "What is Pointer Networks about?"
LONG_Q = "Tell me at length what Pointer Networks is about"
SPEAKER = "Mitya Chklovskii"
SENTENCE = (
    "Pointer Networks learn the conditional probability of an output sequence with elements that are discrete "
    "tokens corresponding to positions in an input sequence."
)
TIMINGS: dict[str, float] = {}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium missing: bash scripts/install-browser.sh"
)


class SlowModel(ScriptedChatModel):
    """Scripted replies at ``delay`` seconds a word; records whether a stream was closed early."""

    def __init__(self) -> None:
        super().__init__(self._reply, name="slow-scripted")
        self.delay = 0.03
        self.closed_early = threading.Event()

    @staticmethod
    def _reply(messages: list[Any]) -> str:
        return " ".join([SENTENCE] * 40) if "at length" in messages[-1]["content"] else SENTENCE

    def _pieces(self, reply: str) -> Iterator[str]:
        pieces = list(super()._pieces(reply))
        done = 0
        try:
            for piece in pieces:
                time.sleep(self.delay)
                yield piece
                done += 1
        finally:
            if done < len(pieces):
                self.closed_early.set()


@pytest.fixture(scope="module")
def served(real_index: Settings, minilm: Any) -> Iterator[dict[str, Any]]:
    settings = real_index.model_copy(deep=True)
    settings.llm.backend = "fake"
    settings.ui.port = free_port()
    model = SlowModel()
    app = build_app(lambda: Assistant(settings, chat_model=model, embedder=minilm, sync_index=False), settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    try:
        yield {"url": f"http://127.0.0.1:{settings.ui.port}/", "model": model, "settings": settings}
    finally:
        app.close()
        out = ROOT / "test-output"
        out.mkdir(exist_ok=True)
        (out / "ui-timings.json").write_text(json.dumps(TIMINGS, indent=1))


def test_double_submit_two_answers_each_with_its_own_sources(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"])
    started = time.perf_counter()
    ask(page, MODEL_Q, "enter")
    page.wait_for_selector("#ra-conv .ra-turn")
    TIMINGS["first_visible_s"] = round(time.perf_counter() - started, 3)
    ask(page, RECORD_Q, "click")  # while the first answer is still being written
    page.wait_for_function("document.querySelectorAll('#ra-conv .ra-turn').length === 2", timeout=15_000)
    wait_done(page, 2)
    TIMINGS["two_answers_s"] = round(time.perf_counter() - started, 3)
    assert turns(page) == ["done", "done"]
    first, second = page.locator("#ra-conv .ra-turn").all()
    assert "Pointer Networks" in first.locator(".ra-sources").inner_text()
    assert SPEAKER in second.locator(".ra-a").inner_text()
    # each answer keeps its own sources; a marker highlights its own card (title on hover)
    marker = first.locator("a.ra-cite").first
    assert marker.get_attribute("title") == "Pointer Networks"
    marker.click()
    page.wait_for_function("document.querySelectorAll('#ra-conv .ra-card.ra-hl').length === 1")
    highlighted = first.locator(".ra-card.ra-hl")
    assert highlighted.count() == 1 and "Pointer Networks" in highlighted.inner_text()
    second.locator("a.ra-cite").first.click()
    page.wait_for_function("document.querySelectorAll('#ra-conv .ra-card.ra-hl').length === 1")
    assert second.locator(".ra-card.ra-hl").count() == 1 and first.locator(".ra-card.ra-hl").count() == 0
    assert first.locator(".ra-card").count() >= 1  # the earlier answer's sources are still there
    shot(page, "screenshot-chat.png")
    page.close()


def _first_content(page: Any, question: str) -> tuple[float, float]:
    """Seconds from Enter to the question shown, and to the first evidence (entries being read, or sources)."""
    before = len(turns(page))
    started = time.perf_counter()
    ask(page, question)
    page.wait_for_function(f"document.querySelectorAll('#ra-conv .ra-turn').length > {before}")
    shown = time.perf_counter() - started
    page.wait_for_function(
        "(() => { const t = [...document.querySelectorAll('#ra-conv .ra-turn')].pop();"
        " return t && (t.querySelector('.ra-evidence li') || t.querySelector('.ra-sources')); })()",
        timeout=30_000,
    )
    evidence = time.perf_counter() - started
    wait_done(page, before + 1)
    return shown, evidence


def test_time_to_first_content(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"])
    for name, question in (("record", RECORD_Q), ("model", MODEL_Q)):
        # best of two tries: one hiccup of a shared 2-core machine is not a slow UI
        tries = [_first_content(page, question) for _ in range(2)]
        shown, evidence = min(t[0] for t in tries), min(t[1] for t in tries)
        TIMINGS[f"{name}_question_shown_s"] = round(shown, 3)
        TIMINGS[f"{name}_evidence_shown_s"] = round(evidence, 3)
        print(f"time to first content ({name}): question {shown:.3f} s, evidence {evidence:.3f} s")
        assert shown <= 1.0 and evidence <= 1.0
    page.close()


def test_stop_ends_the_answer_and_its_generation(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"])
    served["model"].closed_early.clear()
    ask(page, LONG_Q)
    page.wait_for_function(
        "[...document.querySelectorAll('#ra-conv .ra-turn')].pop()?.dataset.status === 'writing'", timeout=30_000
    )
    time.sleep(0.5)
    started = time.perf_counter()
    page.click("#ra-stop")
    page.wait_for_function(
        "[...document.querySelectorAll('#ra-conv .ra-turn')].pop()?.dataset.status === 'stopped'", timeout=10_000
    )
    TIMINGS["stop_s"] = round(time.perf_counter() - started, 3)
    assert "Stopped" in page.locator("#ra-conv .ra-turn").last.inner_text()
    assert served["model"].closed_early.wait(5), "the model kept generating after Stop"
    ask(page, RECORD_Q)  # the conversation goes on
    wait_done(page, 1)
    page.close()


def test_exports_parse(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"])
    ask(page, RECORD_Q)
    wait_done(page, 1)
    ask(page, MODEL_Q)
    wait_done(page, 2)

    def content(selector: str) -> str:
        href = page.locator(selector).first.get_attribute("href")
        assert href and href.startswith("data:")
        return unquote(href.split(",", 1)[1])

    md = content("#ra-conv .ra-turn .ra-export-md")
    assert md.startswith(f"## {RECORD_Q}") and "**References**" in md
    refs = re.findall(r"^\[(\d+)\] (.+)$", md, re.M)
    assert refs and refs[0][0] == "1" and SPEAKER in refs[0][1] and "Symposium agenda (Rovinj 2024)" in refs[0][1]
    conv = content(".ra-export-conv-md")
    assert f"## 1. {RECORD_Q}" in conv and f"## 2. {MODEL_Q}" in conv and conv.count("**References**") == 2
    records = parse_bibtex(content(".ra-export-conv-bib"))
    by_title = {r["title"]: r for r in records}
    talk = by_title["What does the neuron do? A new model for neuroscience and AI"]
    assert talk["author"] == SPEAKER and "Symposium" in talk["howpublished"] and talk["year"] == "2024"
    assert "Pointer Networks" in by_title and "3 authors" in by_title["Pointer Networks"]["note"]

    last_id = page.locator("#ra-conv .ra-turn").last.get_attribute("data-turn")
    page.click("#ra-regenerate")  # the last answer is asked again and replaced
    page.wait_for_function(
        f"(() => {{ const t = [...document.querySelectorAll('#ra-conv .ra-turn')];"
        f" return t.length === 2 && t[1].dataset.turn !== {last_id!r} && t[1].dataset.status === 'done'; }})()",
        timeout=30_000,
    )
    assert MODEL_Q in page.locator("#ra-conv .ra-turn").last.inner_text()
    page.close()


def pick(page: Any, dropdown: str, option: str) -> None:
    page.click(f"{dropdown} input")
    page.locator(f"{dropdown} li[role=option][aria-label={option!r}]").click()


def test_filters_that_match_nothing_say_so(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"])
    pick(page, "#ra-kind", "talk")
    pick(page, "#ra-source", "Daily Papers (page 1)")
    page.wait_for_function("document.querySelector('#ra-matches')?.innerText.includes('No entries match')")
    ask(page, RECORD_Q)
    page.wait_for_function("[...document.querySelectorAll('#ra-conv .ra-turn')].pop()?.dataset.status === 'error'")
    text = page.locator("#ra-conv .ra-turn").last.inner_text()
    assert "No entries match these filters (kind: talk, source: Daily Papers (page 1))" in text
    assert "does not say" not in text
    page.close()


def test_phone_width_reload_and_vote(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"], width=390, height=844, is_mobile=True, device_scale_factor=2)
    ask(page, RECORD_Q)
    wait_done(page, 1)
    page.locator("#ra-conv .ra-turn").last.scroll_into_view_if_needed()
    shot(page, "screenshot-phone.png", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392  # nothing wider than the phone
    card = page.locator("#ra-conv .ra-card").first.bounding_box()
    box = page.locator("#ra-question textarea").bounding_box()
    assert card and box and 290 <= card["width"] <= 390 and box["width"] >= 300

    page.reload()
    page.wait_for_function("document.querySelectorAll('#ra-conv .ra-turn').length === 1", timeout=30_000)
    assert SPEAKER in page.locator("#ra-conv .ra-turn").first.inner_text()

    votes = feedback_path(served["settings"].index.data_dir)
    before = votes.read_text(encoding="utf-8").count("\n") if votes.exists() else 0
    page.locator("#ra-conv .ra-comment").first.fill("right speaker")
    page.locator("#ra-conv button.ra-vote[data-vote=up]").first.click()
    page.wait_for_function("document.querySelector('#ra-conv .ra-vote-status')?.innerText.includes('saved')")
    lines = votes.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1
    record = json.loads(lines[-1])
    assert record["vote"] == "up" and record["comment"] == "right speaker" and record["question"] == RECORD_Q
    assert record["citations"][0]["title"].startswith("What does the neuron do")

    page.click("#ra-clear")  # clears the conversation and its sources, also from the browser's storage
    page.wait_for_function("document.querySelectorAll('#ra-conv .ra-turn, #ra-conv .ra-card').length === 0")
    page.reload()
    page.wait_for_function("document.querySelector('#ra-intro')?.innerText.includes('talks')", timeout=60_000)
    time.sleep(1)
    assert page.locator("#ra-conv .ra-turn").count() == 0
    page.close()


def test_dark_mode_and_corpus_details(served: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, served["url"], color_scheme="dark")
    page.click("#ra-dark")
    page.click("#ra-dark")  # toggles off and on again
    ask(page, MODEL_Q)
    wait_done(page, 1)
    shot(page, "screenshot-dark.png")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#ra-search input, #ra-search textarea").first.fill("stephane")
    page.wait_for_function("document.querySelector('#ra-count')?.innerText.includes(' of ')")
    page.locator("#ra-table [role=gridcell]:visible", has_text="Mallat").first.click()
    page.wait_for_function("document.querySelector('#ra-details')?.innerText.includes('Stéphane')")
    assert "Collège de France" in page.inner_text("#ra-details")
    shot(page, "screenshot-corpus.png")
    page.close()
