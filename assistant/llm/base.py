"""The narrow protocol every chat model backend implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, TypedDict


class ChatMessage(TypedDict):
    """One OpenAI-style chat message."""

    role: str
    content: str


class LLMError(RuntimeError):
    """A chat model could not be loaded or did not answer; the message says why, for a person to read."""


class ChatModel(Protocol):
    """A chat model: streams the reply to a list of messages, greedy unless told otherwise."""

    name: str

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """Yield the reply as text pieces. Raises LLMError on failure."""
        ...


def complete(model: ChatModel, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> str:
    """The whole reply as one string."""
    return "".join(model.stream(messages, max_tokens=max_tokens, temperature=temperature))
