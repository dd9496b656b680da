"""Reading a remote model's reply defensively: a total deadline, a token cap, and a clear error for every malformed
reply (invalid JSON, an HTML page, a wrongly shaped, cut, empty or endless stream) instead of an empty answer.

HTTP clients only bound each read, so a server that trickles keep-alives or never stops streaming would hold a
request forever. Here the request runs on a worker thread and the caller waits for each piece only as long as the
deadline allows; when it passes, or when the caller closes the iterator, the worker is told to drop the connection
at its next line, which is also what makes a server stop generating."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from assistant.llm.base import LLMError, LLMResponseError, LLMTimeoutError

T = TypeVar("T")
_DONE = object()
# Servers send about one token per event (plus a role event and a final one); text is rarely over ~20 characters
# per token. Beyond these the server is ignoring max_tokens.
_EVENTS_PER_TOKEN = 2
_EXTRA_EVENTS = 16
_CHARS_PER_TOKEN = 40
_EXTRA_CHARS = 256
_SHOWN = 120


def run_with_deadline(produce: Callable[[threading.Event], Iterator[str]], timeout_s: float, who: str) -> Iterator[str]:
    """Iterate ``produce(cancel)`` on a worker thread, raising LLMTimeoutError if it has not finished within
    ``timeout_s`` seconds of the first ``next()``. ``cancel`` is set when the deadline passes or the caller stops;
    ``produce`` must check it between reads and stop."""
    items: queue.Queue[Any] = queue.Queue()
    cancel = threading.Event()

    def pump() -> None:
        pieces = produce(cancel)
        try:
            for piece in pieces:
                if cancel.is_set():
                    return
                items.put(piece)
            items.put(_DONE)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            items.put(exc if isinstance(exc, LLMError) else LLMError(f"{who} failed: {type(exc).__name__}: {exc}"))
        finally:
            pieces.close()  # leaves the HTTP response's context: the connection is dropped

    deadline = time.monotonic() + timeout_s
    worker = threading.Thread(target=pump, name="llm-reply", daemon=True)
    worker.start()
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                item = items.get(timeout=max(remaining, 0.0)) if remaining > 0 else items.get_nowait()
            except queue.Empty:
                raise LLMTimeoutError(
                    f"{who} did not finish its reply within {timeout_s:g} s "
                    "(ASSISTANT_LLM__TIMEOUT_S, the total time allowed for one request)"
                ) from None
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancel.set()


def call_with_deadline(call: Callable[[], T], timeout_s: float, who: str) -> T:
    """``call()`` on a worker thread; its result or its exception, or LLMTimeoutError after ``timeout_s`` seconds."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def work() -> None:
        try:
            box.put((True, call()))
        except BaseException as exc:  # re-raised on the caller's thread
            box.put((False, exc))

    threading.Thread(target=work, name="llm-call", daemon=True).start()
    try:
        ok, value = box.get(timeout=timeout_s)
    except queue.Empty:
        raise LLMTimeoutError(
            f"{who} did not answer within {timeout_s:g} s (ASSISTANT_LLM__TIMEOUT_S, the total time allowed)"
        ) from None
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def sse_pieces(lines: Iterable[str], max_tokens: int, cancel: threading.Event, who: str) -> Iterator[str]:
    """Text pieces of an OpenAI-style server-sent-event chat stream; LLMResponseError for anything else."""
    events = chars = 0
    max_events = _EVENTS_PER_TOKEN * max_tokens + _EXTRA_EVENTS
    max_chars = _CHARS_PER_TOKEN * max_tokens + _EXTRA_CHARS
    finished = False
    for raw in lines:
        if cancel.is_set():
            return
        line = raw.strip()
        if not line or line.startswith(":") or line.startswith(("event:", "id:", "retry:")):
            continue  # blank separators, keep-alive comments and event metadata carry no text
        if not line.startswith("data:"):
            raise LLMResponseError(f"{who} sent a line that is not a server-sent event: {line[:_SHOWN]!r}")
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            finished = True
            break
        piece, finished = chunk_piece(data, who)
        events += 1
        chars += len(piece)
        if events > max_events or chars > max_chars:
            raise LLMResponseError(
                f"{who} kept streaming past max_tokens={max_tokens} ({events} events, {chars} characters); "
                "stopped reading it"
            )
        if piece:
            yield piece
        if finished:
            break  # anything after the finish reason (usage, [DONE]) carries no text
    if cancel.is_set():
        return
    if not finished:
        raise LLMResponseError(f"{who} ended its stream before the reply was complete (no finish reason, no [DONE])")
    if chars == 0:
        raise LLMResponseError(
            f"{who} sent no reply text in {events} stream event(s) (is it an OpenAI-compatible chat endpoint?)"
        )


def chunk_piece(data: str, who: str) -> tuple[str, bool]:
    """(text, finished) of one stream event's JSON; LLMResponseError if it is not a chat completion chunk."""
    try:
        chunk = json.loads(data)
    except ValueError:
        raise LLMResponseError(f"{who} sent a stream event that is not JSON: {data[:_SHOWN]!r}") from None
    if not isinstance(chunk, dict):
        raise LLMResponseError(f"{who} sent a stream event that is not a JSON object: {data[:_SHOWN]!r}")
    if "error" in chunk:
        raise LLMResponseError(f"{who} reported an error in its reply: {error_text(chunk['error'])}")
    choices = chunk.get("choices")
    if choices is None and not any(k in chunk for k in ("id", "object", "usage", "timings")):
        raise LLMResponseError(f"{who} sent a stream event that is not a chat completion chunk: {data[:_SHOWN]!r}")
    if not choices:
        return "", False
    choice = choices[0] if isinstance(choices, list) else None
    if not isinstance(choice, dict):
        raise LLMResponseError(f"{who} sent a stream event with malformed choices: {data[:_SHOWN]!r}")
    delta = choice.get("delta") if "delta" in choice else choice.get("message")
    content = delta.get("content") if isinstance(delta, dict) else None
    if (delta is not None and not isinstance(delta, dict)) or (content is not None and not isinstance(content, str)):
        raise LLMResponseError(f"{who} sent a stream event with a malformed delta: {data[:_SHOWN]!r}")
    return content or "", bool(choice.get("finish_reason"))


def whole_reply(body: bytes, content_type: str, max_tokens: int, cancel: threading.Event, who: str) -> Iterator[str]:
    """The text of a reply that came back without ``text/event-stream``: a plain chat completion is accepted (some
    servers ignore ``stream``); an HTML page, invalid JSON or any other shape is an LLMResponseError."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("data:"):
        yield from sse_pieces(text.splitlines(), max_tokens, cancel, who)
        return
    if "html" in content_type.lower() or text[:15].lower().startswith(("<!doctype", "<html", "<head", "<body")):
        raise LLMResponseError(
            f"{who} answered with an HTML page, not an OpenAI-compatible reply "
            "(ASSISTANT_LLM__BASE_URL should be the API root, e.g. http://127.0.0.1:8080/v1)"
        )
    if not text:
        raise LLMResponseError(f"{who} sent an empty reply")
    try:
        reply = json.loads(text)
    except ValueError:
        raise LLMResponseError(f"{who} answered with invalid JSON: {text[:_SHOWN]!r}") from None
    if isinstance(reply, dict) and "error" in reply:
        raise LLMResponseError(f"{who} answered with an error: {error_text(reply['error'])}")
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str):
        raise LLMResponseError(f"{who} answered JSON that is not a chat completion: {text[:_SHOWN]!r}")
    if not content:
        raise LLMResponseError(f"{who} sent an empty reply")
    if len(content) > _CHARS_PER_TOKEN * max_tokens + _EXTRA_CHARS:
        raise LLMResponseError(f"{who} sent a reply far longer than max_tokens={max_tokens}; not using it")
    yield content


def error_text(error: Any) -> str:
    """The message of an OpenAI-format error object, whatever its shape."""
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)
