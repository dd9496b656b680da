"""Who may use the APIs: the UI's login (HTTP Basic, or Bearer ``user:password`` for clients that only send a
bearer token, such as the ``openai`` SDK) and/or an API key (``Authorization: Bearer <key>``,
``ASSISTANT_API__KEY``). With neither set the APIs are open, which ``check_exposure`` allows on loopback only.

Every check goes through a ``LoginGuard`` (``assistant.access``'s, shared with the UI when serving both), so
failed attempts are rate-limited the same way as the UI's login form."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.http_api.errors import ApiError
from assistant.settings import Settings

Guard = Callable[[str, str], bool]
_CHALLENGE = 'Basic realm="research-assistant", charset="UTF-8", Bearer'


class ApiAuth:
    """Checks an ``Authorization`` header against the login and the API key."""

    def __init__(self, login: Guard | None = None, key: Guard | None = None) -> None:
        self._login, self._key = login, key

    @classmethod
    def from_settings(cls, settings: Settings, login: Guard | None = None) -> ApiAuth:
        """The login (``login`` if given: pass the UI's guard to share its failure count) and the API key from
        the settings."""
        from assistant.access import LoginGuard

        ui, per_minute = settings.ui, settings.ui.login_attempts_per_minute
        if login is None and ui.username and ui.password:
            login = LoginGuard(ui.username, ui.password, per_minute)
        key = LoginGuard("api-key", settings.api.key, per_minute) if settings.api.key else None
        return cls(login, key)

    @property
    def required(self) -> bool:
        """Whether any credential is asked for."""
        return self._login is not None or self._key is not None

    def allows(self, authorization: str | None) -> bool:
        """True when no credential is required or the header carries a valid one."""
        if not self.required:
            return True
        scheme, _, value = (authorization or "").strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            if self._key is not None and ":" not in value:
                return self._key("api-key", value)
            if self._login is not None and ":" in value:
                user, _, password = value.partition(":")
                return self._login(user, password)
            if self._key is not None:
                return self._key("api-key", value)
            return False
        if scheme.lower() == "basic" and value and self._login is not None:
            try:
                user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return self._login(user, password)
        return False

    def check(self, request: Request) -> None:
        """Raise a 401 ApiError unless the request may pass (the FastAPI dependency of every /v1 route)."""
        if not self.allows(request.headers.get("authorization")):
            raise unauthorized()


def unauthorized() -> ApiError:
    """The 401 error, with the challenge that makes browsers ask for the login."""
    return ApiError(
        401,
        "missing or wrong credentials: send 'Authorization: Bearer <API key>' or the server's login "
        "(HTTP Basic, or Bearer 'user:password')",
        code="invalid_api_key",
        headers={"WWW-Authenticate": _CHALLENGE},
    )


class RequireAuth:
    """ASGI middleware: every HTTP request must pass ``auth`` (the MCP server's HTTP transport)."""

    def __init__(self, app: ASGIApp, auth: ApiAuth) -> None:
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers: dict[bytes, Any] = dict(scope.get("headers") or [])
            header = headers.get(b"authorization")
            if not self.auth.allows(header.decode("latin-1") if header else None):
                await unauthorized().response()(scope, receive, send)
                return
        await self.app(scope, receive, send)
