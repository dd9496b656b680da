"""A chat model behind any OpenAI-compatible HTTP endpoint: vLLM, llama.cpp's server, Ollama, or the real thing."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

import httpx
import openai

from assistant.llm.base import (
    ChatMessage,
    LLMConnectionError,
    LLMError,
    LLMResponseError,
    LLMStatusError,
    LLMTimeoutError,
    top_logprobs,
)
from assistant.llm.replies import call_with_deadline, run_with_deadline, sse_pieces, whole_reply
from assistant.settings import LLMSettings

# A server that is up accepts a connection at once; a long connect wait only delays the error message.
_MAX_CONNECT_TIMEOUT_S = 10.0
# A non-streamed chat reply of a few hundred tokens is a few KiB; anything near this is not one.
_MAX_BODY_BYTES = 1024 * 1024
_STATUS_HINTS = {
    401: " (check ASSISTANT_LLM__API_KEY)",
    403: " (check ASSISTANT_LLM__API_KEY)",
    404: " (check ASSISTANT_LLM__BASE_URL, usually ending in /v1, and ASSISTANT_LLM__MODEL)",
    429: " (the server is rate-limiting or overloaded; try again later)",
}


class OpenAICompatChatModel:
    """ChatModel that streams replies from ``{base_url}/chat/completions`` over server-sent events."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        *,
        max_retries: int = 0,
    ) -> None:
        """Prepare a client for ``base_url`` (e.g. ``http://127.0.0.1:8080/v1``); nothing is sent yet."""
        if not base_url.startswith(("http://", "https://")):
            raise LLMError(f"The model server URL must start with http:// or https://, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = model
        self.timeout_s = timeout_s
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, _MAX_CONNECT_TIMEOUT_S))
        self._client = openai.OpenAI(
            base_url=self.base_url,
            # Local servers need no key, but the client refuses to start without one.
            api_key=api_key or "none",
            timeout=timeout,
            max_retries=max_retries,
            # An HTTP(S)_PROXY from the environment would otherwise swallow requests meant for this machine.
            http_client=openai.DefaultHttpxClient(timeout=timeout, trust_env=not _is_loopback(self.base_url)),
        )

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> OpenAICompatChatModel:
        """A model for ``settings.base_url``; raises LLMError if it is not set."""
        if not settings.base_url:
            raise LLMError("ASSISTANT_LLM__BASE_URL is required for the openai backend")
        return cls(settings.base_url, settings.model, settings.api_key, settings.timeout_s)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """Yield the reply as the server streams it. Raises an LLMError subclass naming the URL on any failure.

        The whole request, from connecting to the last piece, must finish within ``timeout_s`` (a total deadline,
        not a per-read one), and a server that streams past ``max_tokens`` is cut off. Closing the iterator early
        (``close()``) drops the connection, which tells the server to stop generating."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        return run_with_deadline(
            lambda cancel: _reply_pieces(self._client, self.base_url, request, cancel),
            self.timeout_s,
            f"The model server at {self.base_url}",
        )

    def next_token_logprobs(self, messages: Sequence[ChatMessage], top: int = 10) -> dict[str, float]:
        """Log-probabilities of the ``top`` likeliest first reply tokens. Raises LLMError naming the URL."""
        payload: list[Any] = [{"role": m["role"], "content": m["content"]} for m in messages]
        try:
            reply = call_with_deadline(
                lambda: self._client.chat.completions.create(
                    model=self.model, messages=payload, max_tokens=1, temperature=0, logprobs=True, top_logprobs=top
                ),
                self.timeout_s,
                f"The model server at {self.base_url}",
            )
        except openai.APITimeoutError as exc:
            raise LLMTimeoutError(
                f"The model server at {self.base_url} did not answer within {self.timeout_s:g} s"
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMConnectionError(f"Cannot reach the model server at {self.base_url}: {_cause(exc)}") from exc
        except openai.APIStatusError as exc:
            raise LLMStatusError(
                f"The model server at {self.base_url} answered HTTP {exc.status_code}: {_status_detail(exc)}"
                f"{_STATUS_HINTS.get(exc.status_code, '')}",
                exc.status_code,
            ) from exc
        except openai.APIResponseValidationError as exc:
            raise LLMResponseError(f"The model server at {self.base_url} sent a malformed reply: {exc}") from exc
        except ValueError as exc:
            raise LLMResponseError(f"The model server at {self.base_url} answered with invalid JSON: {exc}") from exc
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise LLMError(f"The model server at {self.base_url} failed: {exc}") from exc
        if not hasattr(reply, "model_dump"):  # the client hands back the raw text of a non-JSON reply
            raise LLMResponseError(
                f"The model server at {self.base_url} answered with something other than JSON: {str(reply)[:120]!r}"
            )
        return top_logprobs(reply.model_dump(), f"The model server at {self.base_url}")


def _reply_pieces(
    client: openai.OpenAI, base_url: str, request: dict[str, Any], cancel: threading.Event
) -> Iterator[str]:
    """The reply's text pieces (runs on the worker thread of ``run_with_deadline``)."""
    who = f"The model server at {base_url}"
    try:
        with client.chat.completions.with_streaming_response.create(**request) as response:
            content_type = response.headers.get("content-type", "")
            if "text/event-stream" in content_type:
                yield from sse_pieces(response.iter_lines(), int(request["max_tokens"]), cancel, who)
            else:
                body = _read_capped(response.iter_bytes(), cancel, who)
                yield from whole_reply(body, content_type, int(request["max_tokens"]), cancel, who)
    except LLMError:
        raise
    except openai.APITimeoutError as exc:
        raise LLMTimeoutError(f"{who} did not answer within {request_timeout(client):g} s") from exc
    except openai.APIConnectionError as exc:
        raise LLMConnectionError(f"Cannot reach the model server at {base_url}: {_cause(exc)}") from exc
    except openai.APIStatusError as exc:
        hint = _STATUS_HINTS.get(exc.status_code, "")
        raise LLMStatusError(
            f"{who} answered HTTP {exc.status_code}: {_status_detail(exc)}{hint}", exc.status_code
        ) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise LLMResponseError(f"{who} dropped the connection in the middle of its reply ({exc})") from exc
    except httpx.TimeoutException as exc:
        raise LLMTimeoutError(f"{who} stopped sending ({type(exc).__name__})") from exc
    except (openai.OpenAIError, httpx.HTTPError, ValueError) as exc:
        raise LLMError(f"{who} failed: {exc}") from exc


def request_timeout(client: openai.OpenAI) -> float:
    """The per-read timeout the client was built with, in seconds (for messages)."""
    timeout = client.timeout
    return float(timeout.read or 0) if isinstance(timeout, httpx.Timeout) else float(timeout or 0)


def _read_capped(chunks: Iterator[bytes], cancel: threading.Event, who: str) -> bytes:
    """The body of a non-streamed reply, refusing one larger than any chat reply could be."""
    body = b""
    for chunk in chunks:
        if cancel.is_set():
            return b""
        body += chunk
        if len(body) > _MAX_BODY_BYTES:
            raise LLMResponseError(f"{who} sent a reply larger than {_MAX_BODY_BYTES // 1024} KiB; not a chat reply")
    return body


def _is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine."""
    host = (urlparse(url).hostname or "").lower()
    return host in {"localhost", "::1"} or host.startswith("127.")


def _cause(exc: BaseException) -> str:
    """The underlying reason for a connection error (the client's own message is just 'Connection error.')."""
    cause = exc.__cause__ or exc.__context__
    return f"{exc} ({cause})" if cause is not None and str(cause) else str(exc)


def _status_detail(exc: openai.APIStatusError) -> str:
    """The error message in an HTTP error reply, whatever shape the server gave it."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        return str(error)
    return exc.message
