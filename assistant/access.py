"""Who may use the served app and its APIs: the client address of the request being handled, a rate-limited login
checked per client and user name, and the rule that a non-loopback address needs a login. No Gradio here, so the
APIs and the MCP server use it without loading the web UI."""

from __future__ import annotations

import hmac
import logging
import threading
import time
from contextvars import ContextVar
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import Settings

log = logging.getLogger(__name__)
CLIENT: ContextVar[str] = ContextVar("client_address", default="")
"""The address of the client whose request is being handled; set by the upload guard middleware."""


def client_address() -> str:
    """The address of the client whose request is being handled ("" outside a request)."""
    return CLIENT.get()


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


def check_exposure(settings: Settings) -> None:
    """Refuse to serve on a non-loopback address without a login unless that was explicitly allowed."""
    ui = settings.ui
    if ui.host not in LOOPBACK and not (ui.username and ui.password) and not ui.allow_public:
        raise AssistantError(
            f"refusing to serve on {ui.host} without a login: set ASSISTANT_UI__USERNAME and "
            "ASSISTANT_UI__PASSWORD, or allow it explicitly with --allow-public (ASSISTANT_UI__ALLOW_PUBLIC=true)"
        )
