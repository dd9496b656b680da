"""One question through the pipeline, as updates of its turn dict: validation, evidence, verified text, the final
answer (or a friendly error, or Stopped). No Gradio here, so it is tested directly."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from assistant.api import Assistant
from assistant.errors import AssistantError, LanguageModelError
from assistant.llm.base import LLMError
from assistant.retrieve import Filters
from assistant.ui.corpus import source_names
from assistant.ui.session import DONE, ERROR, READING, STOPPED, WRITING, Conversation, GuardedChatModel, run_events
from assistant.ui.sources import quote_line
from index.entries import KINDS

log = logging.getLogger(__name__)
ALL = "All"
MAX_K = 10


def friendly_error(exc: BaseException) -> str:
    """A message for any failure: the reason a person can act on, never a traceback."""
    if isinstance(exc, LanguageModelError):
        return f"⚠️ {_capitalize(str(exc))}. Check the model settings (ASSISTANT_LLM__*) and try again."
    if isinstance(exc, AssistantError):
        return f"⚠️ {_capitalize(str(exc))}."
    if isinstance(exc, LLMError):
        return f"⚠️ The language model failed: {exc}. Check the model settings (ASSISTANT_LLM__*) and try again."
    if isinstance(exc, TimeoutError):
        return "⚠️ The model took too long to answer. Try again, ask a shorter question, or read fewer passages."
    return (
        f"⚠️ Something went wrong while answering ({type(exc).__name__}). The details are in the server log; "
        "please try again."
    )


def _capitalize(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


def check_k(k: Any) -> int:
    """``k`` as an int from 1 to ``MAX_K``, or AssistantError saying what was wrong."""
    try:
        value = float(k)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(k, bool) or value != value or value != int(value) or not 1 <= value <= MAX_K:
        raise AssistantError(f"passages (k) must be a whole number from 1 to {MAX_K}, got {k!r}")
    return int(value)


def check_kind(kind: Any) -> str | None:
    """None for "All"/empty, the kind otherwise, or AssistantError listing the kinds."""
    if kind in (None, "", ALL):
        return None
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise AssistantError(f"kind must be All, {', '.join(KINDS)}; got {kind!r}")
    return kind.strip().lower()


def check_source(source: Any, names: dict[str, str]) -> str | None:
    """None for "All"/empty, the seed file for a file name or a readable source name, else AssistantError."""
    if source in (None, "", ALL):
        return None
    if isinstance(source, str):
        wanted = source.strip()
        if wanted in names:
            return wanted
        for file, name in names.items():
            if name.lower() == wanted.lower():
                return file
    shown = ", ".join(f"{n} ({f})" for f, n in sorted(names.items()))
    raise AssistantError(f"unknown source {source!r}; known sources: {shown}")


class Shared:
    """The one Assistant for every session (created on first use), its readable source names and entry rows."""

    def __init__(self, factory: Callable[[], Assistant]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._names: dict[str, str] | None = None
        self.guard: GuardedChatModel | None = None
        self.writers = 0  # answers past retrieval and not finished, in every session (they queue for the model)
        self._writers_lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def writing(self, delta: int) -> None:
        """Count an answer in (+1) or out (-1) of the model step."""
        with self._writers_lock:
            self.writers = max(0, self.writers + delta)

    def get(self) -> Assistant:
        """The Assistant, created by the first caller while the others wait."""
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    self._assistant = self._factory()
        return self._assistant

    def guard_model(self) -> GuardedChatModel | None:
        """Put the shared chat model behind the guard (once); None while the model cannot be set up."""
        assistant = self.get()
        with self._lock:
            if self.guard is None:
                model = assistant.chat_model  # may raise: the caller reports why answers will fail
                self.guard = model if isinstance(model, GuardedChatModel) else GuardedChatModel(model)
                assistant.replace_chat_model(self.guard)
        return self.guard

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after documents were added or removed through any interface (see ``changed``)."""
        self._listeners.append(callback)

    def changed(self) -> None:
        """The corpus changed (documents added or removed): names are worked out again, listeners told."""
        self.forget_names()
        for callback in self._listeners:
            callback()

    def forget_names(self) -> None:
        """Work the source names out again on next use (documents were added or removed)."""
        self._names = None

    @property
    def names(self) -> dict[str, str]:
        """Readable name of every seed file."""
        if self._names is None:
            self._names = source_names(self.get().entries)
        return self._names


def warm_up(assistant: Assistant) -> None:
    """One retrieval, one entity lookup and the evidence sentence vectors (no model call), so that the first user
    does not pay for loading the retrievers, the embedder, the spelling vocabulary or embedding the corpus' sentences
    (a list question reads every entry)."""
    try:
        assistant.retrieve("warm up the retrievers", k=1)
        assistant.warm_evidence()
        linker = getattr(assistant.corpus, "linker", None)
        if linker is not None:
            linker.link("Who talks on Wednesday?")
    except Exception as exc:  # warming is an optimisation; a real question will report any problem
        log.info("warm-up skipped: %s", exc)


def _evidence(passages: Any, names: dict[str, str]) -> list[dict[str, str]]:
    out = []
    for p in passages or []:
        source = str(getattr(p, "source", ""))
        out.append(
            {
                "entry_id": str(getattr(p, "entry_id", "")),
                "title": str(getattr(p, "title", "")),
                "kind": str(getattr(p, "kind", "")),
                "source_name": names.get(source, source),
            }
        )
    return out


def answer_dict(answer: Any, assistant: Assistant, names: dict[str, str]) -> dict[str, Any]:
    """The answer's JSON form for the UI: citations with the entry's event, place, readable source name and the
    line of the quote in its file (``quote_line``; a talk's record points at its schedule row, its abstract lies
    further down); contexts reduced to what is shown (title, kind, source)."""
    data = answer.to_dict()
    entries = assistant.corpus.entries
    for c in data.get("citations") or []:
        entry = entries.get(c.get("entry_id", ""))
        c["source_name"] = names.get(c.get("source", ""), c.get("source", ""))
        if entry is not None:
            for key in ("event", "location", "venue"):
                if getattr(entry, key, None):
                    c[key] = getattr(entry, key)
            quotes = [q for q in c.get("quotes") or [c.get("quote")] if q]
            found = quote_line(entry, quotes[0], assistant.settings.index) if quotes and not c.get("page") else None
            if found is not None:
                c["quote_line"] = found
    data["contexts"] = [
        {k: p.get(k) for k in ("entry_id", "title", "kind", "source")} for p in data.get("contexts") or []
    ]
    data.pop("prompt", None)
    return data


def answer_turn(shared: Shared, conv: Conversation, turn: dict[str, Any]) -> Iterator[None]:
    """Work out one queued turn, updating it in place; yields whenever the page should be redrawn."""
    started = time.perf_counter()
    try:
        assistant = shared.get()
        names = shared.names
        filters = turn.get("filters") or {}
        kind, source = check_kind(filters.get("kind")), check_source(filters.get("source"), names)
        k = check_k(filters.get("k", 6))
        if not any(Filters(kind, source).accepts(e) for e in assistant.entries):
            raise AssistantError(
                f"no entries match these filters ({describe_filters(kind, source, names)}); clear a filter and ask "
                "again"
            )
        try:
            shared.guard_model()
        except Exception as exc:  # record answers still work without a model
            log.warning("chat model unavailable: %s", exc)
    except Exception as exc:
        _fail(turn, exc)
        yield
        return
    turn.update(status=READING, progress="Searching the corpus…")
    yield
    history = conv.history(turn)
    cancel = threading.Event()
    conv.cancel = cancel

    def start() -> Iterator[Any]:
        return assistant.chat_stream(history, turn["question"], k=k, kind=kind, source=source)

    shared.writing(+1)
    try:
        yield from _follow(shared, turn, run_events(start, cancel), names, started)
    finally:
        shared.writing(-1)
        conv.cancel = None


def _follow(
    shared: Shared, turn: dict[str, Any], events: Iterator[tuple[str, Any]], names: dict[str, str], started: float
) -> Iterator[None]:
    """Apply the pipeline's events (and Stop, errors, clock ticks) to the turn."""
    answer = None
    for what, item in events:
        if what == "stopped":
            turn.update(status=STOPPED, progress="", error="Stopped. Ask again or regenerate to get a full answer.")
            yield
            return
        if what == "error":
            _fail(turn, item)
            yield
            return
        if what == "tick":
            if turn["status"] == WRITING or time.perf_counter() - started > 1.0:
                turn.update(status=WRITING, progress=_progress(shared, started, writing=bool(turn["text"])))
                yield
            continue
        event_kind = getattr(item, "kind", "")
        if event_kind == "evidence":
            turn.update(evidence=_evidence(getattr(item, "passages", []), names), status=WRITING)
            turn["progress"] = _progress(shared, started)
        elif event_kind == "text" and getattr(item, "text", ""):
            turn["text"] += item.text
            turn["progress"] = _progress(shared, started, writing=True)
        elif event_kind == "final":
            answer = getattr(item, "answer", None)
            continue
        else:
            continue
        yield
    if answer is None:
        _fail(turn, AssistantError("the pipeline ended without an answer"))
    else:
        data = answer_dict(answer, shared.get(), names)
        if not turn["evidence"]:
            turn["evidence"] = [
                {
                    "entry_id": p["entry_id"],
                    "title": p["title"],
                    "kind": p["kind"],
                    "source_name": names.get(p["source"], p["source"]),
                }
                for p in data["contexts"]
            ]
        turn.update(status=DONE, answer=data, text=data.get("text", ""), progress="")
    yield


def _progress(shared: Shared, started: float, writing: bool = False) -> str:
    elapsed = time.perf_counter() - started
    if writing:
        return f"Checking the next sentence against the sources… {elapsed:.0f} s"
    guard = shared.guard
    estimate = guard.wait_estimate(shared.writers - 1) if guard is not None else ""
    return f"Reading the entries with the model, {elapsed:.0f} s so far. {estimate} Checked sentences appear here."


def _fail(turn: dict[str, Any], exc: BaseException) -> None:
    if not isinstance(exc, AssistantError | LLMError | TimeoutError):
        log.error("answering failed: %s: %s", type(exc).__name__, exc)
    turn.update(status=ERROR, progress="", error=friendly_error(exc))


def describe_filters(kind: str | None, source: str | None, names: dict[str, str]) -> str:
    """ "kind: talk, source: Daily Papers (page 1)" for the filters that are set."""
    parts = []
    if kind:
        parts.append(f"kind: {kind}")
    if source:
        parts.append(f"source: {names.get(source, source)}")
    return ", ".join(parts) or "no filters"
