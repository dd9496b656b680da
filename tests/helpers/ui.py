"""What the web UI's tests share: settings and uploads for the Library tab, and the headless browser's command
line and screenshots."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from assistant import Settings
from assistant.ui.library import upload
from evals.bench.browser import ARGS as ARGS  # re-exported: the browser tests take them from here
from evals.bench.browser import CHROMIUM as CHROMIUM
from tests.helpers import REPO


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """A screenshot in test-output/ (and docs/ with RA_UPDATE_SCREENSHOTS=1); ``full_page=False`` shows what the
    viewport shows (the input row sticks to its bottom, which a full-page capture draws mid-page)."""
    out = REPO / "test-output"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / name), full_page=full_page)
    if os.environ.get("RA_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(REPO / "docs" / name), full_page=full_page)


def write(folder: Path, name: str, text: str = "A title\nSome text.") -> Path:
    """A file in its own folder, as Gradio stores an upload (``<upload dir>/<hash>/<name>``)."""
    path = folder / hashlib.sha256(f"{name}{text}".encode()).hexdigest()[:12] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config(tmp_path: Path, **ui: Any) -> Settings:
    """Settings with a private data folder and these UI settings."""
    settings = Settings()
    settings.index.data_dir = tmp_path / "data"
    for key, value in ui.items():
        setattr(settings.ui, key, value)
    return settings


def run(library: Any, paths: Any, settings: Settings, upload_dir: Path, **kw: Any) -> list[tuple[list[Any], str]]:
    """Every (rows, line) the upload yields, rows copied as they were then."""
    return [
        ([dict(vars(r)) for r in rows], line)
        for rows, line in upload(library, paths, settings, upload_dir=upload_dir, **kw)
    ]


def ask(page: Any, question: str, how: str = "enter") -> None:
    """Type a question into the chat box and send it with Enter or the Ask button."""
    box = page.locator("#ra-question textarea")
    box.fill(question)
    if how == "enter":
        box.press("Enter")
    else:
        page.click("#ra-ask")


def turns(page: Any) -> list[str]:
    """The status of every conversation turn on the page."""
    return page.evaluate("[...document.querySelectorAll('#ra-conv .ra-turn')].map(t => t.dataset.status)")


def wait_done(page: Any, count: int, timeout: float = 60_000) -> None:
    """Wait until ``count`` turns are done."""
    done = "[...document.querySelectorAll('#ra-conv .ra-turn')].filter(t => t.dataset.status === 'done')"
    page.wait_for_function(f"{done}.length >= {count}", timeout=timeout)


def open_page(browser: Any, url: str, width: int = 1300, height: int = 1000, **options: Any) -> Any:
    """A new page of the app at ``url``, waited on until its first screen has rendered."""
    page = browser.new_page(viewport={"width": width, "height": height}, **options)
    page.goto(url)
    page.wait_for_function("document.querySelector('#ra-intro')?.innerText.includes('talks')", timeout=120_000)
    return page
