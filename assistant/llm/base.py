"""The narrow protocol every chat model backend implements."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypedDict


class ChatMessage(TypedDict):
    """One OpenAI-style chat message."""

    role: str
    content: str


class LLMError(RuntimeError):
    """A chat model could not be loaded or did not answer; the message says why, for a person to read."""


class LLMConnectionError(LLMError):
    """The model server cannot be reached (refused, unknown host, connection dropped before a reply)."""


class LLMTimeoutError(LLMError):
    """The reply did not complete within the total deadline (``ASSISTANT_LLM__TIMEOUT_S``)."""


class LLMStatusError(LLMError):
    """The model server answered with an HTTP error status, kept in ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class LLMResponseError(LLMError):
    """The server answered, but not with a usable reply: invalid JSON, an HTML page, a wrongly shaped, cut, empty or
    endless stream."""


class ChatModel(Protocol):
    """A chat model: streams the reply to a list of messages, greedy unless told otherwise."""

    name: str

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """Yield the reply as text pieces. Raises LLMError on failure."""
        ...

    def next_token_logprobs(self, messages: Sequence[ChatMessage], top: int = 10) -> dict[str, float]:
        """Natural-log probabilities of the ``top`` likeliest first reply tokens (token text -> logprob), greedy.

        Raises LLMError on failure (including a reply without log-probabilities)."""
        ...


def top_logprobs(reply: Any, who: str) -> dict[str, float]:
    """``token -> logprob`` of the first generated token in an OpenAI-format (non-streamed) chat reply.

    Raises LLMError naming ``who`` when the reply carries no log-probabilities."""
    try:
        first = reply["choices"][0]["logprobs"]["content"][0]
        pairs = first.get("top_logprobs") or [first]
        found: dict[str, float] = {}
        for item in pairs:
            token, logprob = str(item["token"]), float(item["logprob"])
            found[token] = max(logprob, found.get(token, -math.inf))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise LLMError(f"{who} returned no token log-probabilities: {str(reply)[:200]}") from exc
    return found


def complete(model: ChatModel, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> str:
    """The whole reply as one string."""
    return "".join(model.stream(messages, max_tokens=max_tokens, temperature=temperature))
