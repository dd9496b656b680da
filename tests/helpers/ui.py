"""What the web UI's tests share: settings and uploads for the Library tab, and the headless browser's command
line and screenshots."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from assistant import Settings
from assistant.ui.library import upload
from tests.helpers import REPO

CHROMIUM = Path("/usr/bin/chromium")


ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def shot(page: Any, name: str) -> None:
    out = REPO / "test-output"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / name), full_page=True)
    if os.environ.get("RA_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(REPO / "docs" / name), full_page=True)


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
