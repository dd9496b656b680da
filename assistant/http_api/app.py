"""The ``/v1`` FastAPI app (OpenAI-compatible chat, REST, the library, the schema and its docs page) and how it
joins Gradio's server, so that ``assistant serve`` answers the UI and the APIs on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from assistant.http_api.answers import AnswerRunner
from assistant.http_api.auth import ApiAuth, Guard
from assistant.http_api.docs_page import render_docs
from assistant.http_api.documents_routes import documents_router
from assistant.http_api.errors import BodyLimit, install_error_handlers
from assistant.http_api.openai_routes import openai_router
from assistant.http_api.rest_routes import rest_router
from assistant.settings import Settings
from assistant.ui.turns import Shared

PREFIX = "/v1"
DESCRIPTION = (
    "Answers about the indexed ML papers, talks and tutorials, each sentence checked against the corpus and cited "
    "([n] markers; every citation carries the entry, its quoted evidence and the span of the answer it supports). "
    "OpenAI-compatible chat for chat clients; REST for scripts. Send 'Authorization: Bearer <API key>' (or the "
    "server's login) when the server has one."
)


def build_api(shared: Shared, settings: Settings, login: Guard | None = None) -> FastAPI:
    """The API app, to be mounted at ``/v1``. ``login`` is the UI's login guard, so that failed attempts on either
    count together."""
    auth = ApiAuth.from_settings(settings, login)
    api = FastAPI(
        title="Research assistant API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(auth.check)],
    )
    install_error_handlers(api)
    uploads = int(settings.ui.max_upload_mb * 1024 * 1024) * settings.ui.max_upload_files + 64 * 1024
    api.add_middleware(BodyLimit, limit=settings.api.max_request_kb * 1024, uploads_limit=uploads)
    runner = AnswerRunner(shared, settings)
    api.state.runner = runner
    api.include_router(openai_router(runner, settings))
    api.include_router(rest_router(runner, shared))
    api.include_router(documents_router(shared, settings))

    @api.get("/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(schema(api))

    @api.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> str:
        return render_docs(schema(api))

    @api.get("/", include_in_schema=False)
    def index() -> dict[str, Any]:
        return {"docs": f"{PREFIX}/docs", "openapi": f"{PREFIX}/openapi.json", "models": f"{PREFIX}/models"}

    return api


def schema(api: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema with the paths as clients call them (``/v1/...``)."""
    data = dict(api.openapi())
    data["paths"] = {PREFIX + path: ops for path, ops in data.get("paths", {}).items()}
    return data


def mount_on_launch(api: FastAPI) -> dict[str, Any]:
    """``app_kwargs`` for Gradio's ``launch()``: the API is mounted at ``/v1`` on Gradio's own FastAPI app as the
    server starts, before it accepts a connection."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not any(getattr(route, "path", None) == PREFIX for route in app.router.routes):
            app.mount(PREFIX, api)
        yield

    return {"lifespan": lifespan}


def add_to_launch(shared: Shared, settings: Settings, options: dict[str, Any]) -> FastAPI | None:
    """Add the API (unless ``ASSISTANT_API__ENABLED=false``) to Gradio's ``launch()`` options, in place; the UI's
    login guard (``options["auth"]``) is shared. Returns the API app."""
    if not settings.api.enabled:
        return None
    api = build_api(shared, settings, login=options.get("auth"))
    options["app_kwargs"] = {**options.get("app_kwargs", {}), **mount_on_launch(api)}
    return api
