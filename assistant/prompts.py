"""The one place prompts are loaded and rendered (templates live in prompts/, versioned by file name)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from assistant.errors import AssistantError
from assistant.llm.base import ChatMessage

log = logging.getLogger(__name__)
PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=32)
def _template(name: str) -> Template:
    path = PROMPTS_DIR / name
    if not path.is_file():
        raise AssistantError(f"prompt template {path} is missing")
    return Template(path.read_text(encoding="utf-8").strip())


@dataclass(frozen=True)
class SourceBlock:
    """One numbered source as the model sees it."""

    number: int
    header: str
    text: str


@dataclass(frozen=True)
class PromptSet:
    """A versioned set of answer templates."""

    version: str = "v1"
    log_prompts: bool = False

    def answer_messages(self, question: str, sources: list[SourceBlock]) -> list[ChatMessage]:
        """System + user messages for a grounded answer; the system message is the fixed, cacheable prefix."""
        rendered_sources = "\n\n".join(
            _template(f"source_{self.version}.txt").substitute(number=s.number, header=s.header, text=s.text)
            for s in sources
        )
        messages: list[ChatMessage] = [
            {"role": "system", "content": _template(f"answer_{self.version}.system.txt").substitute()},
            {
                "role": "user",
                "content": _template(f"answer_{self.version}.user.txt").substitute(
                    sources=rendered_sources, question=question
                ),
            },
        ]
        if self.log_prompts:
            log.info("rendered prompt (%s):\n%s", self.version, render_for_log(messages))
        return messages


def render_for_log(messages: list[ChatMessage]) -> str:
    """A readable dump of chat messages."""
    return "\n".join(f"--- {m['role']} ---\n{m['content']}" for m in messages)
