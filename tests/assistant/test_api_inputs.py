"""Odd input to the Python API gets a clear error at once, never a raw exception or a model call: a question of
punctuation or control characters only, and a history that is not a list of turns (None means no history)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.api import Assistant
from assistant.errors import AssistantError


@pytest.mark.parametrize("question", ["???", "!!! ... ;;", "\x01\x02\x03 ?", "— … «»", "\u200b?\u200b"])
def test_a_question_without_words_is_refused_without_the_model(
    fake_assistant: Callable[..., Assistant], question: str
) -> None:
    a = fake_assistant(["The model should not be asked."])
    with pytest.raises(AssistantError, match="no words"):
        a.ask(question)
    assert a.chat_model.calls == []  # type: ignore[attr-defined]


def test_chat_with_none_history_is_a_first_turn(fake_assistant: Callable[..., Assistant]) -> None:
    a = fake_assistant()
    answer = a.chat(None, "Who talks at 4:20 pm on Wednesday?")
    assert answer.text and answer.citations


@pytest.mark.parametrize("history", [5, "earlier question", object()])
def test_chat_with_a_history_that_is_not_turns_is_a_clear_error(
    fake_assistant: Callable[..., Assistant], history: object
) -> None:
    with pytest.raises(AssistantError, match="history must be a list"):
        fake_assistant().chat(history, "and who else spoke that day?")  # type: ignore[arg-type]
