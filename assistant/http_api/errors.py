"""Errors as OpenAI-style JSON bodies (``{"error": {"message", "type", "param", "code"}}``) with the right status,
for every route under ``/v1`` (validation failures, unknown routes and crashes included), and the request size
limit."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.errors import AssistantError, LanguageModelError
from assistant.llm.base import LLMError
from assistant.service import BusyError, DeadlineError, NotFoundError

log = logging.getLogger(__name__)
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "model_error",
    503: "server_error",
    504: "timeout_error",
}


class ApiError(Exception):
    """A failure to send back as an OpenAI-style error with ``status``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return error_body(self.status, self.message, code=self.code, param=self.param)

    def response(self) -> JSONResponse:
        """The JSON response."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def error_body(status: int, message: str, *, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """``{"error": {...}}`` as OpenAI sends it."""
    return {"error": {"message": message, "type": _TYPES.get(status, "server_error"), "param": param, "code": code}}


def from_exception(exc: BaseException) -> ApiError:
    """The ApiError for a failure of the pipeline: bad input 400, unknown id 404, busy 429, model 502, slow 504."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFoundError):
        return ApiError(404, str(exc), code="not_found")
    if isinstance(exc, BusyError):
        return ApiError(429, str(exc), code="busy", headers={"Retry-After": "5"})
    if isinstance(exc, DeadlineError | TimeoutError):
        return ApiError(504, str(exc) or "the model took too long to answer", code="deadline_exceeded")
    if isinstance(exc, LanguageModelError | LLMError):
        message = str(exc) if isinstance(exc, LanguageModelError) else f"the language model failed: {exc}"
        return ApiError(502, message, code="model_failed")
    if isinstance(exc, AssistantError):
        return ApiError(400, str(exc), code="invalid_request")
    log.error("API request failed: %s: %s", type(exc).__name__, exc)
    return ApiError(500, f"internal error ({type(exc).__name__}); the details are in the server log", code="internal")


def install_error_handlers(app: FastAPI) -> None:
    """Every error of ``app`` as an OpenAI-style JSON body."""

    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        return from_exception(exc).response()

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        if first.get("type") == "json_invalid":
            message, param = "the request body is not valid JSON", None
        else:
            where = ".".join(loc)
            message, param = f"{where + ': ' if where else ''}{first.get('msg', 'invalid request')}", where or None
        return ApiError(400, message, code="invalid_request", param=param).response()

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        detail = exc.detail if isinstance(exc, StarletteHTTPException) else "error"
        headers = dict(exc.headers or {}) if isinstance(exc, StarletteHTTPException) else {}
        return ApiError(status, str(detail), headers=headers).response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(AssistantError, api_error)
    app.add_exception_handler(LLMError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, api_error)


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413 (``uploads_limit`` for ``/documents``): at once when
    Content-Length says so, else as soon as more has arrived than allowed."""

    def __init__(self, app: ASGIApp, limit: int, uploads_limit: int) -> None:
        self.app, self.limit, self.uploads_limit = app, limit, uploads_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.uploads_limit if path.rstrip("/").endswith("/documents") else self.limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(limit).response()(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # the server stops reading at the declared length
            return
        # No length declared (chunked): read the body here, up to the limit, and hand it on whole.
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > limit:
                await too_large(limit).response()(scope, receive, send)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


def too_large(limit: int) -> ApiError:
    """The 413 error for a body over ``limit`` bytes."""
    return ApiError(413, f"the request body is larger than the limit of {limit // 1024} KB", code="request_too_large")
