"""The browser the UI checks drive: Debian chromium, headless, with nothing of its own reaching the network. Shared by
the browser benchmark and the browser tests, so both measure the same browser."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (``bash scripts/install-browser.sh`` installs it)."""

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Chromium flags: headless in a container, and no background calls home (updates, sync, first-run pages)."""
