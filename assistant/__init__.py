"""Research assistant: answers questions about ML papers, talks and tutorials with verified citations."""

import index  # noqa: F401  (sets offline defaults before any third-party library is imported)
from assistant.answer import ABSTAIN_TEXT, Answer, AnswerEvent, Citation
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieve import Passage
from assistant.settings import Settings

__all__ = ["ABSTAIN_TEXT", "Answer", "AnswerEvent", "Assistant", "AssistantError", "Citation", "Passage", "Settings"]
