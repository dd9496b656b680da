"""One API answer: wait for a free slot, run the pipeline in a worker thread (``ui.session.run_events``, the same
runner as the UI, so a client that goes away stops its answer's generation between two tokens), pass its text on
as it is verified, and end with the answer payload (``service.answer_payload``). The whole answer, slot wait
included, must finish within ``ASSISTANT_API__ANSWER_DEADLINE_S``: past it, a 504 error, never a hang."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
import anyio.to_thread

from assistant.http_api.errors import ApiError, from_exception
from assistant.retrieve import Filters
from assistant.service import answer_payload
from assistant.settings import Settings
from assistant.ui.session import run_events
from assistant.ui.turns import Shared

log = logging.getLogger(__name__)


class AnswerRunner:
    """Runs API answers on the shared Assistant, at most ``ui.concurrency`` at once."""

    def __init__(self, shared: Shared, settings: Settings) -> None:
        self.shared = shared
        self.deadline_s = settings.api.answer_deadline_s
        self._limit = settings.ui.concurrency
        self._max_waiting = settings.api.max_waiting
        self._running = 0
        self._waiting = 0
        self._slots: anyio.Semaphore | None = None
        # Each answer's steps run in worker threads of their own pool: the UI's pool stays free for the UI.
        self._threads = anyio.CapacityLimiter(self._limit + 8)

    async def _acquire(self, deadline: float) -> None:
        if self._slots is None:
            self._slots = anyio.Semaphore(self._limit)
        if self._slots.value == 0 and self._waiting >= self._max_waiting:
            raise ApiError(
                429,
                "the server is answering as many questions as it can; try again shortly",
                code="busy",
                headers={"Retry-After": "5"},
            )
        self._waiting += 1
        try:
            with anyio.fail_after(max(0.0, deadline - time.monotonic())):
                await self._slots.acquire()
        except TimeoutError:
            raise _late(self.deadline_s) from None
        finally:
            self._waiting -= 1

    async def events(
        self,
        question: str,
        *,
        history: Sequence[dict[str, Any]] = (),
        filters: Filters | None = None,
        k: int | None = None,
    ) -> AsyncIterator[tuple[str, Any]]:
        """``("text", piece)`` as the answer is verified, then ``("final", payload)``. Raises ApiError."""
        deadline = time.monotonic() + self.deadline_s
        await self._acquire(deadline)
        cancel = threading.Event()
        steps = None
        try:
            assistant = await anyio.to_thread.run_sync(self.shared.get, limiter=self._threads)
            try:
                await anyio.to_thread.run_sync(self.shared.guard_model, limiter=self._threads)
            except Exception as exc:  # record and list answers still work without a model
                log.warning("chat model unavailable: %s", exc)

            def start() -> Any:
                return assistant.chat_stream(list(history), question, k=k, filters=filters or Filters())

            steps = run_events(start, cancel)
            while True:
                item = await anyio.to_thread.run_sync(next, steps, None, limiter=self._threads)
                if item is None:
                    break
                what, value = item
                if time.monotonic() > deadline:
                    raise _late(self.deadline_s)
                if what == "error":
                    raise from_exception(value)
                if what != "event":
                    continue
                if value.kind == "text" and value.text:
                    yield "text", value.text
                elif value.kind == "final" and value.answer is not None:
                    yield "final", answer_payload(value.answer)
                    return
            raise ApiError(500, "the pipeline ended without an answer", code="internal")
        finally:
            cancel.set()  # a client gone or an error: the model stops between two tokens
            if steps is not None:
                steps.close()
            if self._slots is not None:
                self._slots.release()

    async def answer(self, question: str, **options: Any) -> dict[str, Any]:
        """The whole answer payload."""
        async for what, value in self.events(question, **options):
            if what == "final":
                return value
        raise ApiError(500, "the pipeline ended without an answer", code="internal")


def _late(seconds: float) -> ApiError:
    return ApiError(
        504,
        f"no answer within {seconds:g} s (ASSISTANT_API__ANSWER_DEADLINE_S): the model is busy or too slow; try "
        "again later",
        code="deadline_exceeded",
    )
