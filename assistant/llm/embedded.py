"""A GGUF chat model run in process by llama.cpp's server (xllamacpp). The only module that imports xllamacpp.

``xllamacpp.Server(params)`` loads the model and starts llama.cpp's C++ server inside this process. It answers
``handle_chat_completions(request, callback)`` calls directly, and it also listens on an ephemeral loopback port,
so the same loaded model doubles as an OpenAI-compatible endpoint (``base_url()``) for tools that need one.

llama.cpp's threads run at a lower CPU priority (``nice``) than the rest of the process: on a small machine its
threads would otherwise take every core while it generates, and the web UI's record and list answers, which need
no model, would wait for CPU behind it. Every request has the same total deadline as the server backend
(``ASSISTANT_LLM__TIMEOUT_S``).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.llm.base import ChatMessage, LLMError, LLMResponseError, LLMTimeoutError, top_logprobs
from assistant.llm.model_file import check_gguf_file
from assistant.llm.replies import call_with_deadline
from assistant.settings import LLMSettings

log = logging.getLogger(__name__)

# Bounds llama.cpp's host-memory cache of earlier prompts' KV states (8 GiB by default), which would otherwise
# dwarf the 1.1 GB model on a small machine; a few hundred MiB still holds many prompt states of a 1.5B model.
_PROMPT_CACHE_RAM_MIB = 512
# Tokens matched at the end of the reply so far to find, in the prompt, the text that may come next. Three tokens
# accepted 60-95% of drafts on dev answers; llama.cpp's default of 12 rarely matched (2026-12-02).
_DRAFT_LOOKUP_TOKENS = 3
# Shortest run of tokens that llama.cpp will shift into place to reuse cached KV beyond the common prefix.
_CACHE_REUSE_MIN_TOKENS = 256
# Linux scheduler weight of nice 10 is about a tenth of nice 0's: a thread of the UI that wants the CPU gets nearly
# a whole core from llama.cpp, which still has every core whenever nothing else runs (so answers alone are as fast).
MODEL_NICE = 10
# llama.cpp streams one chunk per token (plus a role chunk and a final one); far more means it ignores max_tokens.
_EXTRA_CHUNKS = 16

_DONE = object()


class _Failure:
    """An exception raised on the request thread, carried to the consuming thread."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class EmbeddedChatModel:
    """ChatModel over a local GGUF file, loaded lazily on first use and shared by all threads.

    llama.cpp's server is thread-safe: concurrent ``stream`` calls are queued by it (one slot) and answered in turn.
    """

    def __init__(self, model_path: Path, settings: LLMSettings | None = None) -> None:
        """Remember the model file and settings; nothing is loaded until the first request (or ``load()``)."""
        self.model_path = Path(model_path).expanduser()
        self.settings = settings if settings is not None else LLMSettings()
        self.name = self.model_path.stem
        self.last_timings: dict[str, Any] | None = None
        self._server: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._server is not None

    def load(self) -> None:
        """Load the model now (idempotent). Raises LLMError if the file is missing or llama.cpp rejects it."""
        self._ensure_server()

    def base_url(self) -> str:
        """The loopback OpenAI-compatible endpoint of the loaded model, e.g. ``http://127.0.0.1:PORT/v1``.

        Loads the model if it is not loaded yet. Any model name is accepted in requests to it.
        """
        address = str(self._ensure_server().listening_address).rstrip("/")
        return f"{address}/v1"

    def close(self) -> None:
        """Drop the server so its memory and port can be released; a later request loads the model again."""
        with self._lock:
            self._server = None

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """Yield the reply as text pieces as llama.cpp generates them. Raises LLMError on failure, LLMTimeoutError
        when the whole reply takes longer than ``settings.timeout_s`` (from the first ``next()``, model loading
        excluded); closing the iterator, or the deadline passing, stops generation at the next token."""
        request: dict[str, Any] = {
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
            "cache_prompt": True,
        }
        return self._generate(request)

    def next_token_logprobs(self, messages: Sequence[ChatMessage], top: int = 10) -> dict[str, float]:
        """Log-probabilities of the ``top`` likeliest first reply tokens (one greedy token, not streamed)."""
        request: dict[str, Any] = {
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": 1,
            "temperature": 0,
            "logprobs": True,
            "top_logprobs": top,
            "stream": False,
            "cache_prompt": True,
        }
        server = self._ensure_server()
        try:
            reply = call_with_deadline(
                lambda: server.handle_chat_completions(request), self.settings.timeout_s, self._who
            )
        except LLMError:
            raise
        except Exception as exc:
            raise LLMError(f"The embedded model {self.name} failed to answer: {exc}") from exc
        if isinstance(reply, str | bytes):
            try:
                reply = json.loads(reply)
            except ValueError as exc:
                raise LLMError(f"The embedded model {self.name} sent an unreadable reply: {reply[:200]!r}") from exc
        if isinstance(reply, dict) and "error" in reply:
            raise LLMError(self._error_message(reply["error"]))
        return top_logprobs(reply, f"The embedded model {self.name}")

    def _generate(self, request: dict[str, Any]) -> Iterator[str]:
        """Run one streaming request on a helper thread and hand its chunks over through a queue."""
        server = self._ensure_server()
        chunks: queue.Queue[Any] = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            # Returning True tells llama.cpp to stop generating: the consumer has gone away.
            return cancelled.is_set()

        def run() -> None:
            try:
                server.handle_chat_completions(request, on_chunk)
            except BaseException as exc:
                chunks.put(_Failure(exc))
            finally:
                chunks.put(_DONE)

        # handle_chat_completions blocks until the reply is complete and calls back on its own calling thread,
        # so a helper thread is what turns its callbacks into a lazily consumed iterator.
        worker = threading.Thread(target=run, name="xllamacpp-chat", daemon=True)
        timeout_s = self.settings.timeout_s
        most = int(request["max_tokens"]) + _EXTRA_CHUNKS
        count = 0
        deadline = time.monotonic() + timeout_s
        worker.start()
        try:
            while True:
                try:
                    item = chunks.get(timeout=max(deadline - time.monotonic(), 0.0))
                except queue.Empty:
                    # Generation stops at llama.cpp's next token (its callback sees the flag); a prompt still being
                    # read finishes first, and the next request waits for it inside llama.cpp.
                    raise LLMTimeoutError(
                        f"{self._who} did not finish its reply within {timeout_s:g} s "
                        "(ASSISTANT_LLM__TIMEOUT_S, the total time allowed for one request)"
                    ) from None
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise LLMError(f"The embedded model {self.name} failed to answer: {item.exc}") from item.exc
                count += 1
                if count > most:
                    raise LLMResponseError(
                        f"{self._who} kept generating past max_tokens={request['max_tokens']}; stopped it"
                    )
                piece = self._chunk_text(item)
                if piece:
                    yield piece
        finally:
            cancelled.set()

    @property
    def _who(self) -> str:
        return f"The embedded model {self.name}"

    def _chunk_text(self, chunk: Any) -> str:
        """The new text in one streamed chunk; raises LLMError for an error chunk."""
        if isinstance(chunk, str | bytes):
            try:
                chunk = json.loads(chunk)
            except ValueError as exc:
                raise LLMResponseError(
                    f"The embedded model {self.name} sent an unreadable chunk: {chunk[:200]!r}"
                ) from exc
        if not isinstance(chunk, dict):
            raise LLMResponseError(f"The embedded model {self.name} sent an unexpected chunk: {chunk!r:.200}")
        if "error" in chunk:
            raise LLMError(self._error_message(chunk["error"]))
        if "timings" in chunk:
            self.last_timings = chunk["timings"]
            log.debug("llama.cpp timings: %s", chunk["timings"])
        choices = chunk.get("choices") or []
        if not choices:
            return ""
        delta = choices[0].get("delta") or {}
        return delta.get("content") or ""

    def _error_message(self, error: Any) -> str:
        """A readable message for an error object in llama.cpp's OpenAI format."""
        message = error.get("message", error) if isinstance(error, dict) else error
        text = f"The embedded model {self.name} rejected the request: {message}"
        if isinstance(error, dict) and error.get("type") == "exceed_context_size_error":
            text += " (shorten the prompt or raise ASSISTANT_LLM__N_CTX)"
        return text

    def _ensure_server(self) -> Any:
        """The running server, loading the model on first use; one thread loads while the others wait."""
        server = self._server
        if server is not None:
            return server
        with self._lock:
            if self._server is None:
                self._server = self._start_server()
            return self._server

    def _start_server(self) -> Any:
        """Load the model into a new in-process llama.cpp server. Raises LLMError on failure."""
        check_gguf_file(self.model_path)
        try:
            import xllamacpp
        except ImportError as exc:
            raise LLMError(f"The embedded backend needs the xllamacpp package, which failed to import: {exc}") from exc
        params = self._params(xllamacpp)
        log.info("Loading %s (n_ctx=%d, %d threads)", self.model_path, self.settings.n_ctx, self.settings.n_threads)
        try:
            server = _on_lowered_thread(lambda: xllamacpp.Server(params), MODEL_NICE)
        except Exception as exc:
            raise LLMError(
                f"llama.cpp could not load the model {self.model_path} ({exc}). The file may be corrupt or not a chat "
                "model, or there may not be enough memory for it and its context window."
            ) from exc
        log.info("Loaded %s; OpenAI-compatible endpoint at %s/v1", self.name, server.listening_address)
        return server

    def _params(self, xllamacpp: Any) -> Any:
        """llama.cpp server parameters from the settings."""
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.model_alias = {self.name}
        # 0 would mean the model's full training context (32k here): far more memory and time than a RAG prompt needs.
        params.n_ctx = self.settings.n_ctx
        params.cpuparams.n_threads = self.settings.n_threads
        params.cpuparams_batch.n_threads = self.settings.n_threads
        params.verbosity = -1
        params.cache_prompt = True
        params.n_cache_reuse = _CACHE_REUSE_MIN_TOKENS
        params.cache_ram_mib = _PROMPT_CACHE_RAM_MIB
        if self.settings.draft_tokens:
            speculative = params.speculative
            speculative.types = [xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
            speculative.ngram_simple.size_n = _DRAFT_LOOKUP_TOKENS
            speculative.ngram_simple.size_m = self.settings.draft_tokens
        params.port = 0
        params.hostnames = ["127.0.0.1"]
        params.offline = True
        params.ui = False
        return params


def _on_lowered_thread(make: Any, nice: int) -> Any:
    """``make()`` run on a new thread whose CPU priority is lowered by ``nice`` first, so that every thread it
    starts inherits the lower priority (Linux keeps nice per thread and new threads copy their creator's). The
    caller's own priority is untouched: an unprivileged thread could never raise it back. Elsewhere, or where the
    priority cannot be changed, ``make()`` runs at normal priority."""
    box: dict[str, Any] = {}

    def work() -> None:
        if sys.platform.startswith("linux") and nice > 0:
            try:
                tid = threading.get_native_id()
                os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
            except OSError as exc:  # a sandbox may forbid it; the model still works, only less politely
                log.debug("could not lower llama.cpp's CPU priority: %s", exc)
        try:
            box["value"] = make()
        except BaseException as exc:  # re-raised on the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=work, name="xllamacpp-load", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
