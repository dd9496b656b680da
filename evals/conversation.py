"""Asking a gold question as a client holding the conversation would: earlier turns first, each answer kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answer import Answer
    from assistant.api import Assistant

__all__ = ["ask_turns"]


def ask_turns(assistant: Assistant, question: str, history: Sequence[str] = ()) -> Answer:
    """The answer to ``question``; with ``history`` (the earlier user turns of a follow-up) each earlier turn is
    asked through ``chat`` first, and the messages passed on carry each earlier Answer, so a follow-up is resolved
    against what was cited, not re-read from the reply's words."""
    if not history:
        return assistant.ask(question)
    messages: list[dict[str, Any]] = []
    for turn in history:
        earlier = assistant.chat(messages, turn)
        messages += [
            {"role": "user", "content": turn},
            {"role": "assistant", "content": earlier.text, "answer": earlier},
        ]
    return assistant.chat(messages, question)
