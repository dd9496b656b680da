"""Serving the app: address and login checks, a rate-limited login, upload limits, the theme, and ``serve``."""

from __future__ import annotations

import hmac
import logging
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.ui.app import build_app
from assistant.ui.assets import APP_CSS as CSS
from assistant.ui.guard import UploadGuard, client_address, private_upload_dir

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_LOCK_S, _MAX_LOCK_S = 60.0, 3600.0
_FORGET_S = 3600.0  # failures further apart than this start the count again
_MAX_TRACKED = 10_000


class LoginGuard:
    """Basic-auth check, compared in constant time, with failed attempts counted per client address and user name.
    After ``per_minute`` failures in a row a (client, user) pair waits a minute before its next attempt, and each
    further failure doubles the wait (up to an hour); one client's failures never refuse another's correct login."""

    def __init__(self, username: str, password: str, per_minute: int = 5, address: Any = client_address) -> None:
        self._user, self._password = username.encode(), password.encode()
        self._per_minute = per_minute
        self._address = address  # who is asking: the request's client address, set by UploadGuard
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}  # (failures in a row, time of the last one)
        self._lock = threading.Lock()

    def wait_s(self, username: str, now: float | None = None) -> float:
        """Seconds this client must still wait before trying ``username`` again (0: it may try now)."""
        count, last = self._failures.get(self._key(username), (0, 0.0))
        if count < self._per_minute:
            return 0.0
        delay = min(_LOCK_S * 2 ** (count - self._per_minute), _MAX_LOCK_S)
        return max(0.0, last + delay - (time.monotonic() if now is None else now))

    def __call__(self, username: str, password: str) -> bool:
        """True for the right login, unless this client has to wait after its own failures for this user name."""
        now = time.monotonic()
        key = self._key(username)
        with self._lock:
            if self.wait_s(username, now) > 0:
                log.warning(
                    "login refused for %s: %d failed attempts in a row", key[0] or "a client", self._failures[key][0]
                )
                return False
            ok = hmac.compare_digest(str(username).encode(), self._user) & hmac.compare_digest(
                str(password).encode(), self._password
            )
            if ok:
                self._failures.pop(key, None)
            else:
                count, last = self._failures.get(key, (0, now))
                self._failures[key] = (1 if now - last > _FORGET_S else count + 1, now)
                self._forget_old(now)
            return bool(ok)

    def _key(self, username: str) -> tuple[str, str]:
        return str(self._address() or ""), str(username)[:256]

    def _forget_old(self, now: float) -> None:
        if len(self._failures) > _MAX_TRACKED:
            self._failures = {k: v for k, v in self._failures.items() if now - v[1] < _MAX_LOCK_S}


def launch_kwargs(settings: Settings, upload_dir: str | Path | None = None) -> dict[str, Any]:
    """Arguments for ``app.launch()``: address, optional rate-limited login, upload limits on the route itself
    (``UploadGuard``; ``upload_dir`` is Gradio's upload folder, by default the one it uses now), styling, no error
    details for users."""
    ui = settings.ui
    if bool(ui.username) != bool(ui.password):
        raise AssistantError(
            "set both ASSISTANT_UI__USERNAME and ASSISTANT_UI__PASSWORD to require a login, or neither"
        )
    auth = LoginGuard(ui.username, ui.password, ui.login_attempts_per_minute) if ui.username and ui.password else None
    return {
        "server_name": ui.host,
        "server_port": ui.port,
        "auth": auth,
        # Each file's own limit is the Library's to report, per file (assistant.ui.library.check_uploads).
        "max_file_size": int(ui.max_upload_total_mb * 1_000_000) if ui.uploads else 0,  # 0: no upload accepted
        "app_kwargs": {
            "middleware": [
                Middleware(
                    UploadGuard,  # type: ignore[arg-type]
                    max_files=ui.max_upload_files if ui.uploads else 0,
                    max_bytes=int(ui.max_upload_total_mb * 1_000_000),
                    suffixes=settings.index.document_suffixes,
                    upload_dir=upload_dir or get_upload_folder(),
                )
            ]
        },
        "blocked_paths": [str(settings.index.data_dir)],  # stored documents, the index, the model: never served
        "max_threads": max(40, ui.concurrency + 16),  # answers waiting for the model each hold a thread
        "show_error": False,
        "css": CSS,
        "theme": make_theme(),
        "ssr_mode": False,
        "footer_links": ["api"],
    }


def check_exposure(settings: Settings) -> None:
    """Refuse to serve on a non-loopback address without a login unless that was explicitly allowed."""
    ui = settings.ui
    if ui.host not in LOOPBACK and not (ui.username and ui.password) and not ui.allow_public:
        raise AssistantError(
            f"refusing to serve on {ui.host} without a login: set ASSISTANT_UI__USERNAME and "
            "ASSISTANT_UI__PASSWORD, or allow it explicitly with --allow-public (ASSISTANT_UI__ALLOW_PUBLIC=true)"
        )


def make_theme() -> gr.themes.Base:
    """The app's theme: fonts shipped with Gradio, so nothing is fetched from the network."""
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "monospace"],
    )


def serve(settings: Settings) -> None:
    """Run the web UI on ``settings.ui.host:port`` (default 127.0.0.1:7860) until interrupted."""
    check_exposure(settings)
    with private_upload_dir() as uploads:  # deleted, with anything uploaded, when the server stops
        options = launch_kwargs(settings, uploads)
        if options["auth"] is None and settings.ui.host not in LOOPBACK:
            log.warning("serving on %s without a login (allowed explicitly)", settings.ui.host)
        app = build_app(lambda: Assistant(settings), settings)
        print(f"Research assistant UI on http://{settings.ui.host}:{settings.ui.port} (Ctrl-C to stop)", flush=True)
        try:
            app.launch(**options)
        finally:
            app.close()
