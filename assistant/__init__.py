"""Research assistant: answers questions about ML papers, talks and tutorials with verified citations.

The public names are imported on first use (PEP 562), so that ``import assistant.settings`` (the CLI, an index
build) does not pay for the answering pipeline's imports (llama-index and the rest, about 2 s)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import index  # noqa: F401  (sets offline defaults before any third-party library is imported)

if TYPE_CHECKING:
    from assistant.answer import ABSTAIN_TEXT, Answer, AnswerEvent, Citation
    from assistant.api import Assistant
    from assistant.errors import AssistantError
    from assistant.retrieve import Passage
    from assistant.settings import Settings

__all__ = ["ABSTAIN_TEXT", "Answer", "AnswerEvent", "Assistant", "AssistantError", "Citation", "Passage", "Settings"]
_HOMES = {
    "ABSTAIN_TEXT": "assistant.answer",
    "Answer": "assistant.answer",
    "AnswerEvent": "assistant.answer",
    "Citation": "assistant.answer",
    "Assistant": "assistant.api",
    "AssistantError": "assistant.errors",
    "Passage": "assistant.retrieve",
    "Settings": "assistant.settings",
}


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
