"""A deterministic stand-in chat model for tests: scripted replies, streamed word by word, every call recorded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from assistant.llm.base import ChatMessage, LLMError

Responder = Callable[[list[ChatMessage]], str]

_PIECE = re.compile(r"\S+\s*|\s+")


def split_pieces(text: str) -> list[str]:
    """Split ``text`` into word pieces, each keeping its trailing whitespace, so that they join back to ``text``."""
    return _PIECE.findall(text)


class ScriptedChatModel:
    """ChatModel whose replies are scripted.

    ``replies`` is a list of replies returned in order (the last one repeats once the list runs out), a single
    reply, or a function ``(messages) -> reply``. With ``error`` set, every call raises ``LLMError(error)`` after
    streaming ``fail_after`` pieces of its reply. ``max_tokens`` and ``temperature`` are recorded, not applied.
    """

    def __init__(
        self,
        replies: Sequence[str] | str | Responder = ("Scripted reply.",),
        *,
        error: str | None = None,
        fail_after: int = 0,
        name: str = "scripted",
    ) -> None:
        """Script the replies (see the class docstring)."""
        if isinstance(replies, str):
            replies = [replies]
        if not callable(replies) and not replies:
            raise ValueError("ScriptedChatModel needs at least one reply")
        self.name = name
        self._replies = replies
        self._error = error
        self._fail_after = fail_after
        self.calls: list[list[ChatMessage]] = []
        self.options: list[dict[str, Any]] = []

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """Record the call, then yield the next scripted reply word by word (or raise the scripted error)."""
        recorded: list[ChatMessage] = [{"role": m["role"], "content": m["content"]} for m in messages]
        self.calls.append(recorded)
        self.options.append({"max_tokens": max_tokens, "temperature": temperature})
        return self._pieces(self._reply_for(recorded))

    def next_token_logprobs(self, messages: Sequence[ChatMessage], top: int = 10) -> dict[str, float]:
        """Record the call like ``stream``; the next reply's first word is certain (log-probability 0), unless the
        reply is a JSON object of ``token -> logprob``, which is returned as it is (scripted distributions)."""
        recorded: list[ChatMessage] = [{"role": m["role"], "content": m["content"]} for m in messages]
        self.calls.append(recorded)
        self.options.append({"max_tokens": 1, "temperature": 0.0, "top_logprobs": top})
        if self._error is not None:
            raise LLMError(self._error)
        reply = self._reply_for(recorded)
        try:
            scripted = json.loads(reply)
        except ValueError:
            scripted = None
        if isinstance(scripted, dict):
            return {str(k): float(v) for k, v in scripted.items()}
        words = reply.split()
        return {words[0]: 0.0} if words else {}

    @property
    def last_messages(self) -> list[ChatMessage]:
        """The messages of the most recent call."""
        if not self.calls:
            raise AssertionError("ScriptedChatModel was never called")
        return self.calls[-1]

    def _reply_for(self, messages: list[ChatMessage]) -> str:
        """The reply to the current call (its number is ``len(self.calls)``)."""
        if callable(self._replies):
            return self._replies(messages)
        index = min(len(self.calls), len(self._replies)) - 1
        return self._replies[index]

    def _pieces(self, reply: str) -> Iterator[str]:
        """Stream ``reply``, failing like a real backend would: on iteration, not on the call."""
        pieces = split_pieces(reply)
        if self._error is not None:
            yield from pieces[: self._fail_after]
            raise LLMError(self._error)
        yield from pieces
