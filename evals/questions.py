"""Gold questions resolved to indexed entry ids (pure, apart from reading the gold file)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evals.gold import GoldFileError, GoldLineError, GoldQuestion, load_gold
from index.entries import normalize_title

if TYPE_CHECKING:
    from index.entries import Entry

__all__ = ["DEFAULT_GOLD", "EvalQuestion", "gold_line_numbers", "load_questions", "resolve_gold"]

DEFAULT_GOLD = Path(__file__).resolve().parent / "dev_set.jsonl"


@dataclass(frozen=True)
class EvalQuestion:
    """A gold question with its gold titles/ids resolved to indexed entry ids, and its line in the gold file."""

    gold: GoldQuestion
    gold_ids: tuple[str, ...]
    line: int
    acceptable_ids: tuple[str, ...] = ()
    """Entries arguably relevant (``acceptable_titles``): neither right nor wrong in a list answer."""

    @property
    def id(self) -> str:
        """The question id."""
        return self.gold.id

    @property
    def kind(self) -> str:
        """The question kind."""
        return self.gold.kind

    @property
    def answerable(self) -> bool:
        """Whether the corpus answers it."""
        return self.gold.answerable


def gold_line_numbers(text: str) -> dict[str, int]:
    """Map each question id of an (already validated) gold file's text to its 1-based line number."""
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            data = json.loads(raw)
            lines.setdefault(str(data.get("id", "")).strip(), number)
    return lines


def _title_index(entries: Iterable[Entry]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``normalized title -> entry ids`` and ``entry id -> title``."""
    by_title: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for entry in entries:
        by_title.setdefault(normalize_title(entry.title), []).append(entry.id)
        titles[entry.id] = entry.title
    return by_title, titles


def _unknown_title(title: str, by_title: Mapping[str, list[str]], titles: Mapping[str, str]) -> str:
    message = f"no indexed entry has the title {title!r}"
    close = difflib.get_close_matches(normalize_title(title), list(by_title), n=1, cutoff=0.75)
    if close:
        message += f" (closest: {titles[by_title[close[0]][0]]!r})"
    return message


def resolve_gold(
    questions: Sequence[GoldQuestion], entries: Iterable[Entry], lines: Mapping[str, int], path: Path
) -> list[EvalQuestion]:
    """Resolve every question's ``gold_titles`` (via ``normalize_title``), ``gold_ids`` and ``acceptable_titles``
    to indexed entry ids.

    Raises :class:`GoldFileError` naming the gold file line and field of every title or id that matches no entry.
    A title shared by several entries resolves to all of them.
    """
    by_title, titles = _title_index(entries)
    resolved: list[EvalQuestion] = []
    errors: list[GoldLineError] = []
    for q in questions:
        line = lines.get(q.id, 0)
        ids: list[str] = []
        for i, title in enumerate(q.gold_titles):
            found = by_title.get(normalize_title(title))
            if found:
                ids.extend(found)
            else:
                errors.append(GoldLineError(line, f"gold_titles[{i}]", _unknown_title(title, by_title, titles)))
        for i, entry_id in enumerate(q.gold_ids):
            if entry_id in titles:
                ids.append(entry_id)
            else:
                errors.append(GoldLineError(line, f"gold_ids[{i}]", f"no indexed entry has the id {entry_id!r}"))
        acceptable: list[str] = []
        for i, title in enumerate(getattr(q, "acceptable_titles", [])):
            found = by_title.get(normalize_title(title))
            if found:
                acceptable.extend(found)
            else:
                errors.append(GoldLineError(line, f"acceptable_titles[{i}]", _unknown_title(title, by_title, titles)))
        resolved.append(EvalQuestion(q, tuple(dict.fromkeys(ids)), line, tuple(dict.fromkeys(acceptable))))
    if errors:
        raise GoldFileError(path, errors)
    return resolved


def load_questions(path: str | Path, entries: Iterable[Entry], limit: int | None = None) -> list[EvalQuestion]:
    """Load and validate the gold file, resolve it against ``entries`` and keep the first ``limit`` questions.

    Raises :class:`GoldFileError` (every problem, with file and line) for a malformed file or an unknown title/id.
    """
    path = Path(path)
    questions = load_gold(path)
    lines = gold_line_numbers(path.read_text(encoding="utf-8"))
    resolved = resolve_gold(questions, entries, lines, path)
    return resolved[:limit] if limit else resolved
