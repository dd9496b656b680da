"""What the programmatic interfaces (the ``/v1`` HTTP APIs and the MCP server) do with an ``Assistant``: answer, search,
look entries up, and the JSON shapes they all return.

Answers keep ``Answer.to_dict()``'s shape (the CLI's ``--json``), with two additions that let a client place every
citation in the text: each sentence gets its character ``start``/``end`` in ``text``, and each citation gets
``spans``, one per answer sentence that rests on it (the sentence, where it is, and the quoted span of the entry
that supports it). Nothing here imports Gradio, so ``assistant mcp`` starts without it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from assistant.answer import Answer
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieve import Filters, Passage
from index.entries import KINDS, Entry
from index.text import fold

T = TypeVar("T")
MAX_SEARCH_K = 50
MAX_LIST = 1000
_SUMMARY_SKIP = {"text", "page_starts", "sources"}


class DeadlineError(AssistantError):
    """An answer that did not finish within the interface's deadline."""


class NotFoundError(AssistantError):
    """No entry, or no document, by that id."""


def check_filters(kind: str | None = None, source: str | None = None, day: str | None = None) -> Filters:
    """Filters from optional text fields, blanks and "All" meaning none; an unknown kind is an AssistantError."""
    kind = _blank(kind)
    if kind is not None and kind.lower() not in KINDS:
        raise AssistantError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return Filters(kind=kind.lower() if kind else None, source=_blank(source), day=_blank(day))


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AssistantError(f"filters are text, got {type(value).__name__}")
    value = value.strip()
    return None if not value or value.lower() == "all" else value


def answer_payload(answer: Answer) -> dict[str, Any]:
    """``answer.to_dict()`` plus each sentence's ``start``/``end`` in the text and each citation's ``spans``."""
    data = answer.to_dict()
    text = data.get("text") or ""
    by_marker = {c.get("marker"): c for c in data.get("citations") or []}
    for c in by_marker.values():
        c["spans"] = []
    at = 0
    for index, sentence in enumerate(data.get("sentences") or []):
        shown = sentence.get("text") or ""
        start = text.find(shown, at) if shown else -1
        if start < 0 and shown:
            start = text.find(shown)
        sentence["start"], sentence["end"] = (start, start + len(shown)) if start >= 0 else (None, None)
        if start >= 0:
            at = start + len(shown)
        for span in sentence.get("spans") or []:
            citation = by_marker.get(span.get("marker"))
            if citation is not None:
                citation["spans"].append(
                    {
                        "sentence": index,
                        "start": sentence["start"],
                        "end": sentence["end"],
                        "text": shown,
                        "quote": span.get("quote", ""),
                    }
                )
    return data


def citations_text(payload: dict[str, Any]) -> str:
    """The numbered sources under an answer, with their quotes, as plain text (for chat clients and agents)."""
    lines = []
    for c in payload.get("citations") or []:
        where = f"{c.get('source', '')}, page {c['page']}" if c.get("page") else f"{c.get('source', '')}"
        lines.append(f"[{c.get('marker')}] {c.get('title', '')} ({c.get('kind', '')}; {where}; id {c.get('entry_id')})")
        lines += [f'    "{q}"' for q in c.get("quotes") or [c.get("quote", "")] if q]
    return "\n".join(lines)


def run_with_deadline(work: Callable[[], T], seconds: float, what: str = "the answer") -> T:
    """``work()`` in a worker thread, waited for at most ``seconds``; past that a DeadlineError (the worker is left
    to finish on its own: the model backends end a generation at their own deadline)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="deadline-work", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise DeadlineError(f"{what} took longer than {seconds:g} s; try again later or ask a narrower question")
    if "error" in box:
        raise box["error"]
    return box["value"]


def ask(
    assistant: Assistant,
    question: str,
    *,
    history: Sequence[dict[str, Any]] = (),
    filters: Filters | None = None,
    k: int | None = None,
) -> dict[str, Any]:
    """The answer payload for ``question`` (a follow-up of ``history`` when given)."""
    answer = assistant.chat(list(history), question, k=k, filters=filters or Filters())
    return answer_payload(answer)


def search(assistant: Assistant, query: str, k: int = 10, filters: Filters | None = None) -> dict[str, Any]:
    """Ranked passages for ``query``, best first: ``{"query", "results": [passage dicts]}``."""
    k = check_k(k, MAX_SEARCH_K)
    passages = assistant.retrieve(query, k=k, filters=filters or Filters())
    return {"query": query, "results": [passage_payload(p) for p in passages]}


def check_k(k: Any, most: int) -> int:
    """``k`` as a whole number from 1 to ``most``, or AssistantError."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= most:
        raise AssistantError(f"k must be a whole number from 1 to {most}, got {k!r}")
    return k


def passage_payload(passage: Passage) -> dict[str, Any]:
    """A retrieved passage as JSON (``Passage.to_dict()``)."""
    return passage.to_dict()


def entry_summary(entry: Entry) -> dict[str, Any]:
    """An entry without its text: id, kind, title, people, dates, places, source file and line."""
    data = entry.model_dump(mode="json", exclude=_SUMMARY_SKIP, exclude_defaults=True)
    data = {"id": entry.id, "kind": entry.kind, "title": entry.title, **data}
    data.update(source=entry.source, line=entry.line)
    return data


def entry_payload(entry: Entry) -> dict[str, Any]:
    """An entry in full (as ``assistant entries --json`` prints it), with its first source file and line."""
    data = entry.model_dump(mode="json", exclude={"page_starts"})
    data.update(source=entry.source, line=entry.line)
    return data


def get_entry(assistant: Assistant, entry_id: str) -> Entry:
    """The indexed entry with this id, or NotFoundError."""
    entry = assistant.corpus.entries.get(str(entry_id).strip())
    if entry is None:
        raise NotFoundError(f"no entry has the id {entry_id!r}; ids come from search, list_entries or citations")
    return entry


def list_entries(
    entries: Iterable[Entry],
    *,
    filters: Filters | None = None,
    query: str = "",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Entry summaries passing ``filters`` whose fields contain every word of ``query`` (case and accents ignored),
    ordered by source file and line: ``{"total", "offset", "entries"}``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST:
        raise AssistantError(f"limit must be a whole number from 1 to {MAX_LIST}, got {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise AssistantError(f"offset must be a whole number of at least 0, got {offset!r}")
    wanted = filters or Filters()
    words = fold(query or "").split()
    found = []
    for entry in sorted(entries, key=lambda e: (e.source, e.line, e.title)):
        if not wanted.accepts(entry):
            continue
        summary = entry_summary(entry)
        if words:
            haystack = fold(" ".join(str(v) for v in summary.values()))
            if not all(w in haystack for w in words):
                continue
        found.append(summary)
    return {"total": len(found), "offset": offset, "entries": found[offset : offset + limit]}


class Slots:
    """At most ``limit`` answers at once and at most ``max_waiting`` waiting for one; more are refused at once
    (the caller says "busy, try again") rather than queued without bound."""

    def __init__(self, limit: int, max_waiting: int) -> None:
        self._free = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._waiting = 0
        self._max_waiting = max_waiting

    def acquire(self, timeout: float) -> None:
        """Take a slot, waiting up to ``timeout`` s; AssistantError when too many wait, DeadlineError on timeout."""
        if self._free.acquire(blocking=False):
            return
        with self._lock:
            if self._waiting >= self._max_waiting:
                raise BusyError("the server is answering as many questions as it can; try again shortly")
            self._waiting += 1
        try:
            started = time.monotonic()
            if not self._free.acquire(timeout=max(0.0, timeout)):
                raise DeadlineError(f"no answer slot became free within {time.monotonic() - started:.0f} s")
        finally:
            with self._lock:
                self._waiting -= 1

    def release(self) -> None:
        """Give a slot back."""
        self._free.release()


class BusyError(AssistantError):
    """Too many answers are already waiting."""
