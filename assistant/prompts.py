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


@lru_cache(maxsize=8)
def _examples(name: str) -> tuple[tuple[str, str, str], ...]:
    """(evidence, claim, answer) blocks of a few-shot file; none when the version has no such file."""
    path = PROMPTS_DIR / name
    if not path.is_file():
        return ()
    blocks: list[tuple[str, str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.strip().splitlines() if line.strip() and not line.startswith("#")
        )
        if not fields:
            continue
        if set(fields) != {"Evidence", "Claim", "Answer"}:
            raise AssistantError(
                f"{path}: a few-shot block needs Evidence, Claim and Answer lines; got {sorted(fields)}"
            )
        blocks.append((fields["Evidence"], fields["Claim"], fields["Answer"]))
    return tuple(blocks)


def support_judge_messages(version: str, claim: str, evidence: str) -> list[ChatMessage]:
    """The support judge's yes/no question (``prompts/support_<version>.*``): the system message, then the fixed
    few-shot examples as finished exchanges (``support_<version>.examples.txt``, if the version has one), then the
    claim. Everything before the last message is the same for every claim, so the model's prompt cache reuses it."""
    user = _template(f"support_{version}.user.txt")
    messages: list[ChatMessage] = [
        {"role": "system", "content": _template(f"support_{version}.system.txt").substitute()}
    ]
    for example_evidence, example_claim, answer in _examples(f"support_{version}.examples.txt"):
        messages.append({"role": "user", "content": user.substitute(evidence=example_evidence, claim=example_claim)})
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": user.substitute(evidence=evidence, claim=claim)})
    return messages
