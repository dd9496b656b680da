"""Gold question set: schema and loader.

File format
-----------
UTF-8 JSON Lines: one JSON object per line, one question per object. Blank lines are ignored; nothing else
(no comments, no trailing commas). Fields:

=====================  =========  ===============================================================================
field                  type       meaning
=====================  =========  ===============================================================================
``id``                 str        unique, non-empty identifier of the question (unique within the file)
``question``           str        the question as a user would ask it (non-empty)
``kind``               str        question kind, e.g. one of :data:`KNOWN_KINDS` (``content``, ``speaker``, ...,
                                  ``list``, ``paraphrase``, ``two_part``); other non-empty kinds are accepted
``gold_titles``        list[str]  titles of the entries that answer it; ``[]`` iff the question is unanswerable
``gold_ids``           list[str]  optional (default ``[]``): entry ids of those entries, when known
``reference``          str        reference answer; required (non-empty) for answerable questions, optional
                                  otherwise
``keywords``           list[str]  optional (default ``[]``): words a correct answer must contain
``acceptable_titles``  list[str]  optional (default ``[]``): entries that are arguably relevant (an answer may
                                  list them without being wrong) but not required; never a gold title too
``answerable``         bool       optional: derived as ``bool(gold_titles or gold_ids)``; if given it must agree
``style``              str        optional (default ``""``): how the question is written, e.g. one of
                                  :data:`KNOWN_STYLES` (``keyword``, ``sloppy``, ``context_first``, ...)
``history``            list[str]  optional (default ``[]``): the earlier user turns of a follow-up; ``question``
                                  is the last turn and the gold fields are for it
=====================  =========  ===============================================================================

Types are strict (``"answerable": "yes"`` or ``"keywords": "gan"`` are errors) and unknown fields are rejected,
so typos do not silently drop data. A question of kind ``unanswerable`` must have no gold entries. No title may
appear twice in ``gold_titles`` or in ``acceptable_titles``.

Kinds for the answer pipeline's harder questions:

- ``list``: asks for every entry matching a description ("Which talks are about X?"); ``gold_titles`` is the
  complete list. ``[]`` (with ``answerable`` false) is a valid list question: the right answer is that nothing
  in the corpus matches.
- ``paraphrase``: describes one entry without its title words and asks something its text answers; one gold
  title, ``keywords`` taken verbatim from the entry's text.
- ``two_part``: two asks in one question; ``keywords`` cover both parts.

Example lines::

    {"id": "q001", "question": "Who presented the tutorial on diffusion models?", "kind": "presenter",
     "gold_titles": ["Diffusion Models Tutorial"], "reference": "Jane Doe presented it.", "keywords": ["Jane Doe"]}
    {"id": "q050", "question": "What did the keynote say about quantum gravity?", "kind": "unanswerable",
     "gold_titles": []}

(each object on one line in the real file). :func:`load_gold` validates every line and raises one
:class:`GoldFileError` listing every problem as ``<file>:<line>: field '<field>': <message>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["KNOWN_KINDS", "KNOWN_STYLES", "GoldFileError", "GoldLineError", "GoldQuestion", "load_gold"]

KNOWN_KINDS: tuple[str, ...] = (
    "content",
    "speaker",
    "affiliation",
    "day_time",
    "author_count",
    "date",
    "comparison",
    "presenter",
    "unanswerable",
    "list",
    "paraphrase",
    "two_part",
    "venue",
    "number",
    "yes_no",
    "summary",
)
"""Kinds used by the project's gold sets (documentation only: other non-empty kinds are accepted)."""

KNOWN_STYLES: tuple[str, ...] = (
    "keyword",
    "sloppy",
    "context_first",
    "yes_no",
    "false_premise",
    "summary",
    "number",
    "near_miss",
    "follow_up",
    "list",
)
"""How questions are written in the style-diverse sets (documentation only; blank means the dev set's style)."""


class _FieldError(ValueError):
    """A model-level validation error that belongs to one field (so the loader can name it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class GoldQuestion(BaseModel):
    """One gold question (one line of the gold JSONL file); see the module docstring for the schema."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    gold_titles: list[str]
    gold_ids: list[str] = Field(default_factory=list)
    reference: str = ""
    keywords: list[str] = Field(default_factory=list)
    acceptable_titles: list[str] = Field(default_factory=list)
    answerable: bool
    style: str = ""
    history: list[str] = Field(default_factory=list)

    @field_validator("id", "question", "kind")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("gold_titles", "gold_ids", "keywords", "acceptable_titles", "history")
    @classmethod
    def _no_blank_items(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("items must not be blank")
        return [item.strip() for item in value]

    @field_validator("gold_titles", "acceptable_titles")
    @classmethod
    def _no_duplicate_titles(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for title in value:
            if title in seen:
                raise ValueError(f"title {title!r} is listed twice")
            seen.add(title)
        return value

    @model_validator(mode="before")
    @classmethod
    def _derive_answerable(cls, data: Any) -> Any:
        if isinstance(data, dict) and "answerable" not in data:
            titles, ids = data.get("gold_titles"), data.get("gold_ids")
            has_gold = (isinstance(titles, list) and bool(titles)) or (isinstance(ids, list) and bool(ids))
            data = {**data, "answerable": has_gold}
        return data

    @model_validator(mode="after")
    def _check_consistency(self) -> GoldQuestion:
        has_gold = bool(self.gold_titles or self.gold_ids)
        if self.answerable != has_gold:
            raise _FieldError(
                "answerable",
                f"answerable is {str(self.answerable).lower()} but gold_titles/gold_ids are "
                f"{'non-empty' if has_gold else 'empty'} (it must be false exactly when both are empty)",
            )
        if self.kind == "unanswerable" and has_gold:
            raise _FieldError("gold_titles", "kind 'unanswerable' must have empty gold_titles and gold_ids")
        if both := sorted(set(self.gold_titles) & set(self.acceptable_titles)):
            raise _FieldError(
                "acceptable_titles", f"acceptable_titles repeats gold title(s) {both} (an entry is one or the other)"
            )
        if self.answerable and not self.reference.strip():
            raise _FieldError("reference", "a reference answer is required for an answerable question")
        return self


@dataclass(frozen=True)
class GoldLineError:
    """One problem in a gold file: 1-based line number (0 for the whole file), field name and message."""

    line: int
    field: str
    message: str

    def format(self, path: Path) -> str:
        """Render as ``<file>:<line>: field '<field>': <message>``."""
        where = f"{path}:{self.line}" if self.line else f"{path}"
        return f"{where}: field '{self.field}': {self.message}"


class GoldFileError(ValueError):
    """A gold file failed to load; ``errors`` holds every problem found, the message lists them all."""

    def __init__(self, path: Path, errors: list[GoldLineError]) -> None:
        self.path = path
        self.errors = errors
        lines = "\n".join(f"  {err.format(path)}" for err in errors)
        super().__init__(f"{len(errors)} problem(s) in gold file {path}:\n{lines}")


def _loc_to_field(loc: tuple[int | str, ...]) -> str:
    """``("gold_titles", 0)`` -> ``gold_titles[0]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(object)"


def _validation_errors(line: int, exc: ValidationError) -> list[GoldLineError]:
    errors: list[GoldLineError] = []
    for err in exc.errors():
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _FieldError):
            errors.append(GoldLineError(line, cause.field, str(cause)))
            continue
        field = _loc_to_field(tuple(err["loc"]))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] != "missing":
            message = f"{message} (got {type(err.get('input')).__name__})"
        errors.append(GoldLineError(line, field, message))
    return errors


def _parse_line(line_no: int, raw: str) -> tuple[GoldQuestion | None, list[GoldLineError]]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, [GoldLineError(line_no, "(line)", f"invalid JSON: {exc.msg} at column {exc.colno}")]
    if not isinstance(data, dict):
        return None, [GoldLineError(line_no, "(line)", f"expected a JSON object, got {type(data).__name__}")]
    try:
        return GoldQuestion.model_validate(data), []
    except ValidationError as exc:
        return None, _validation_errors(line_no, exc)


def load_gold(path: str | Path) -> list[GoldQuestion]:
    """Load and validate a gold JSONL file (schema in the module docstring).

    Every line is checked; if anything is wrong (unreadable file, invalid JSON, a non-object line, missing or
    unknown field, wrong type, inconsistent ``answerable``, duplicate ``id``, no question at all) a single
    :class:`GoldFileError` is raised whose message names the file, the line number and the field of every problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldFileError(path, [GoldLineError(0, "(file)", f"cannot read file: {exc}")]) from exc

    questions: list[GoldQuestion] = []
    errors: list[GoldLineError] = []
    first_line_of: dict[str, int] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        question, line_errors = _parse_line(line_no, raw)
        errors.extend(line_errors)
        if question is None:
            continue
        if question.id in first_line_of:
            errors.append(
                GoldLineError(
                    line_no, "id", f"duplicate id {question.id!r} (first on line {first_line_of[question.id]})"
                )
            )
            continue
        first_line_of[question.id] = line_no
        questions.append(question)

    if not questions and not errors:
        errors.append(GoldLineError(0, "(file)", "file is empty: no questions found"))
    if errors:
        raise GoldFileError(path, errors)
    return questions
