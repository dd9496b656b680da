"""Serving the app: address and login checks, a rate-limited login, upload limits, the theme, and ``serve``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from assistant.access import LOOPBACK, LoginGuard, check_exposure
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.ui.app import build_app
from assistant.ui.assets import APP_CSS as CSS
from assistant.ui.guard import UploadGuard, private_upload_dir
from assistant.ui.turns import Shared

log = logging.getLogger(__name__)


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
        shared = Shared(lambda: Assistant(settings))
        app = build_app(shared.get, settings, shared=shared)
        url = f"http://{settings.ui.host}:{settings.ui.port}"
        print(f"Research assistant UI on {url} (Ctrl-C to stop)", flush=True)
        if settings.api.enabled:
            from assistant.http_api.app import add_to_launch

            add_to_launch(shared, settings, options)
            print(
                f"APIs: OpenAI-compatible {url}/v1 (chat/completions, models), REST and docs {url}/v1/docs", flush=True
            )
        try:
            app.launch(**options)
        finally:
            app.close()
