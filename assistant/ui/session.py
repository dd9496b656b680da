"""Per-browser conversations and the answer runner.

Each browser session owns a ``Conversation``: its turns in order (JSON dicts, so the browser can store them and a
reload can restore them). Questions asked while an answer runs are appended as queued turns and answered in order,
one at a time per session; other sessions are not held up by it. The chat model is shared: ``GuardedChatModel``
lets one answer use it at a time, measures how long model answers take (for honest wait estimates) and lets a
Stop end a generation between two tokens.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from assistant.llm.base import ChatMessage

_local = threading.local()  # the cancel flag of the answer this thread is working on

QUEUED, READING, WRITING, DONE, ERROR, STOPPED = "queued", "reading", "writing", "done", "error", "stopped"
FINISHED = (DONE, ERROR, STOPPED)
_MAX_SESSIONS = 500
_MAX_TURNS = 200


class GuardedChatModel:
    """Wraps the shared chat model: one generation at a time, timings measured, Stop honoured between tokens."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.busy_since: float | None = None
        self._durations: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """The inner model's stream, after waiting for the model to be free; stops early when Stop was pressed."""
        cancel: threading.Event | None = getattr(_local, "cancel", None)
        while not self._lock.acquire(timeout=0.2):
            if cancel is not None and cancel.is_set():
                return
        start = time.perf_counter()
        self.busy_since = start
        pieces = self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)
        stopped = False
        try:
            for piece in pieces:
                if cancel is not None and cancel.is_set():
                    stopped = True
                    break
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # ends the backend's generation (the backends stop when their stream is closed)
            if not stopped:
                self._record(time.perf_counter() - start)
            self.busy_since = None
            self._lock.release()

    def _record(self, seconds: float) -> None:
        with self._count_lock:
            self._durations = [*self._durations[-19:], seconds]

    def typical_seconds(self) -> float | None:
        """Median measured model-answer time (last 20), or None before the first answer."""
        if not self._durations:
            return None
        ordered = sorted(self._durations)
        return ordered[len(ordered) // 2]

    def wait_estimate(self, ahead: int) -> str:
        """An honest line about the wait: ``ahead`` answers before this one and, once measured, how long model
        answers take here."""
        head = f"{ahead} answer{'s' if ahead != 1 else ''} ahead of this one for the model. " if ahead > 0 else ""
        typical = self.typical_seconds()
        if typical is None:
            return f"{head}No model answer timed yet on this server."
        return f"{head}Model answers here take about {typical:.0f} s."


def new_turn(question: str, kind: str, source: str, k: int) -> dict[str, Any]:
    """A queued turn (JSON-serialisable)."""
    return {
        "id": uuid.uuid4().hex[:16],
        "question": question,
        "filters": {"kind": kind, "source": source, "k": k},
        "status": QUEUED,
        "text": "",
        "evidence": [],
        "answer": None,
        "error": None,
        "progress": "Queued: it starts when the answer before it is done.",
        "vote": None,
        "asked_at": time.time(),
    }


class Conversation:
    """One browser session's turns, with a lock so that its answers run one after another."""

    def __init__(self, turns: Sequence[dict[str, Any]] = ()) -> None:
        self.turns: list[dict[str, Any]] = [dict(t) for t in turns if isinstance(t, dict) and t.get("id")]
        for t in self.turns:  # a reload mid-answer: what was not finished cannot resume
            if t.get("status") not in FINISHED:
                t.update(status=STOPPED, progress="", error=t.get("error") or "Interrupted by a page reload.")
        self.lock = threading.RLock()  # guards self.turns
        self.run_lock = threading.Lock()  # one answer at a time in this conversation
        self.cancel: threading.Event | None = None

    def add(self, turn: dict[str, Any]) -> None:
        """Append a turn (the oldest finished ones go once there are too many)."""
        with self.lock:
            self.turns.append(turn)
            while len(self.turns) > _MAX_TURNS and self.turns[0].get("status") in FINISHED:
                self.turns.pop(0)

    def next_queued(self) -> dict[str, Any] | None:
        """The oldest turn still waiting."""
        with self.lock:
            return next((t for t in self.turns if t["status"] == QUEUED), None)

    def find(self, turn_id: str) -> dict[str, Any] | None:
        """The turn with this id."""
        with self.lock:
            return next((t for t in self.turns if t["id"] == turn_id), None)

    def stop(self) -> bool:
        """Stop the answer being worked on; True if there was one."""
        event = self.cancel
        if event is None or event.is_set():
            return False
        event.set()
        return True

    def clear(self) -> None:
        """Forget every turn (a running answer is stopped)."""
        self.stop()
        with self.lock:
            for t in self.turns:
                if t["status"] == QUEUED:
                    t["status"] = STOPPED
            self.turns = []

    def snapshot(self) -> list[dict[str, Any]]:
        """Copies of the turns, for rendering and for the browser's storage."""
        with self.lock:
            return [dict(t) for t in self.turns]

    def history(self, before: dict[str, Any]) -> list[dict[str, str]]:
        """Finished, successful turns before ``before`` as chat messages (context for follow-ups)."""
        out: list[dict[str, str]] = []
        with self.lock:
            for t in self.turns:
                if t is before:
                    break
                if t["status"] == DONE and t.get("answer"):
                    out += [
                        {"role": "user", "content": t["question"]},
                        {"role": "assistant", "content": t["answer"].get("text", "")},
                    ]
        return out


class Sessions:
    """Conversations by Gradio session id (the most recent ``_MAX_SESSIONS`` are kept)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Conversation] = OrderedDict()

    def get(self, session: str, restore: Sequence[dict[str, Any]] | None = None) -> Conversation:
        """The session's conversation, created (from ``restore`` if given) on first use."""
        with self._lock:
            conv = self._items.get(session)
            if conv is None:
                conv = Conversation(restore or ())
                self._items[session] = conv
                while len(self._items) > _MAX_SESSIONS:
                    self._items.popitem(last=False)
            self._items.move_to_end(session)
            return conv

    def find_turn(self, turn_id: str) -> dict[str, Any] | None:
        """The turn with this id in any conversation (ids are random: knowing one is the right to rate it)."""
        with self._lock:
            conversations = list(self._items.values())
        for conv in reversed(conversations):
            turn = conv.find(turn_id)
            if turn is not None:
                return turn
        return None

    def replace(self, session: str, turns: Sequence[dict[str, Any]]) -> Conversation:
        """A fresh conversation for the session from stored turns (a page reload)."""
        with self._lock:
            conv = Conversation(turns)
            self._items[session] = conv
            return conv


def run_events(
    start: Callable[[], Iterator[Any]], cancel: threading.Event, poll_s: float = 0.25
) -> Iterator[tuple[str, Any]]:
    """Run an answer's event stream in a worker thread and pass its items on as ``("event", e)``, ``("error",
    exc)``, ``("tick", None)`` every ``poll_s`` without news, and ``("stopped", None)`` as soon as ``cancel`` is
    set. The worker closes the stream as soon as it notices the cancel, which ends the model's generation."""
    items: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        _local.cancel = cancel
        events = None
        try:
            events = start()
            for event in events:
                items.put(("event", event))
                if cancel.is_set():
                    break
        except Exception as exc:
            items.put(("error", exc))
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # closing a half-run pipeline must not hide what happened
                    close()
            items.put(("end", None))
            _local.cancel = None

    threading.Thread(target=work, name="answer", daemon=True).start()
    while True:
        if cancel.is_set():
            yield "stopped", None
            return
        try:
            kind, item = items.get(timeout=poll_s)
        except queue.Empty:
            yield "tick", None
            continue
        if kind == "end":
            return
        yield kind, item
