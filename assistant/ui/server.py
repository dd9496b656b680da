"""Serving the app: address and login checks, a rate-limited login, upload limits, the theme, and ``serve``."""

from __future__ import annotations

import hmac
import logging
import threading
import time
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.ui.app import CSS, build_app
from assistant.ui.turns import Shared

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class LoginGuard:
    """Basic-auth check with a limit on failed attempts per minute (all clients together); compares in constant
    time. Once the limit is reached every attempt is refused until the minute is over."""

    def __init__(self, username: str, password: str, per_minute: int = 5) -> None:
        self._user, self._password = username.encode(), password.encode()
        self._per_minute = per_minute
        self._failures: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, username: str, password: str) -> bool:
        """True for the right login while fewer than the allowed attempts failed in the last minute."""
        now = time.monotonic()
        with self._lock:
            self._failures = [t for t in self._failures if now - t < 60]
            if len(self._failures) >= self._per_minute:
                log.warning("login refused: %d failed attempts in the last minute", len(self._failures))
                return False
            ok = hmac.compare_digest(str(username).encode(), self._user) & hmac.compare_digest(
                str(password).encode(), self._password
            )
            if not ok:
                self._failures.append(now)
            return bool(ok)


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Arguments for ``app.launch()``: address, optional rate-limited login, upload limit, styling, no error
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
        "max_file_size": int(ui.max_upload_mb * 1024 * 1024) if ui.uploads else 0,  # 0: no upload accepted
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
    options = launch_kwargs(settings)
    if options["auth"] is None and settings.ui.host not in LOOPBACK:
        log.warning("serving on %s without a login (allowed explicitly)", settings.ui.host)
    shared = Shared(lambda: Assistant(settings))
    app = build_app(shared.get, settings, shared=shared)
    url = f"http://{settings.ui.host}:{settings.ui.port}"
    print(f"Research assistant UI on {url} (Ctrl-C to stop)", flush=True)
    if settings.api.enabled:
        from assistant.http_api.app import add_to_launch

        add_to_launch(shared, settings, options)
        print(f"APIs: OpenAI-compatible {url}/v1 (chat/completions, models), REST and docs {url}/v1/docs", flush=True)
    app.launch(**options)
