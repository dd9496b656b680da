"""A chat model behind any OpenAI-compatible HTTP endpoint: vLLM, llama.cpp's server, Ollama, or the real thing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

import httpx
import openai

from assistant.llm.base import ChatMessage, LLMError
from assistant.settings import LLMSettings

# A server that is up accepts a connection at once; a long connect wait only delays the error message.
_MAX_CONNECT_TIMEOUT_S = 10.0


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
        """Yield the reply as the server streams it. Raises LLMError naming the URL on any failure."""
        payload: list[Any] = [{"role": m["role"], "content": m["content"]} for m in messages]
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=payload,
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
            )
            with response:
                for chunk in response:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except openai.APITimeoutError as exc:
            raise LLMError(f"The model server at {self.base_url} did not answer within {self.timeout_s:g} s") from exc
        except openai.APIConnectionError as exc:
            raise LLMError(f"Cannot reach the model server at {self.base_url}: {_cause(exc)}") from exc
        except openai.APIStatusError as exc:
            raise LLMError(
                f"The model server at {self.base_url} answered HTTP {exc.status_code}: {_status_detail(exc)}"
            ) from exc
        except (openai.OpenAIError, httpx.HTTPError, ValueError) as exc:
            raise LLMError(f"The model server at {self.base_url} failed: {exc}") from exc


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
