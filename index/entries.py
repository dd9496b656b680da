"""The Entry record: one paper, talk or tutorial, with where it came from and every metadata field it carries."""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from pydantic import BaseModel, Field

from index.text import MONTHS, normalize_title

Kind = Literal["paper", "talk", "tutorial"]
KINDS: tuple[str, ...] = ("paper", "talk", "tutorial")


class SourceRef(BaseModel):
    """A place an entry was read from: seed file name and 1-based line of its title."""

    file: str
    line: int


class Entry(BaseModel):
    """One citable unit of the corpus."""

    id: str
    kind: Kind
    title: str
    text: str = ""
    sources: list[SourceRef] = Field(default_factory=list)
    collection: str = Field(default="", description="The page or list the entry appears on.")
    # talks
    speaker: str | None = None
    affiliation: str | None = None
    day: str | None = None
    date: str | None = None
    time: str | None = None
    event: str | None = None
    location: str | None = None
    # tutorials
    presenters: list[str] = Field(default_factory=list)
    # daily papers
    authors_count: int | None = None
    page_date: str | None = None

    @property
    def source(self) -> str:
        """The first seed file the entry was read from."""
        return self.sources[0].file if self.sources else ""

    @property
    def line(self) -> int:
        """The line of the entry's title in its first source file."""
        return self.sources[0].line if self.sources else 0

    @property
    def when(self) -> str:
        """Day, readable date and time of a talk ("Wednesday 2 October 2024, 4:20 pm"); "" when it has none."""
        date = self.date or ""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            y, m, d = date.split("-")
            date = f"{int(d)} {MONTHS[int(m) - 1]} {y}"
        head = " ".join(x for x in (self.day, date) if x)
        return ", ".join(x for x in (head, self.time) if x) if self.kind != "paper" else ""

    @property
    def people(self) -> list[str]:
        """Speaker or presenters, whichever the entry has."""
        return [self.speaker] if self.speaker else list(self.presenters)

    def metadata_line(self) -> str:
        """A one-line human-readable summary of the entry's metadata (also indexed, so metadata is searchable)."""
        parts = [f"“{self.title}” ({self.kind})"]
        if self.speaker:
            parts.append(f"Speaker: {self.speaker}" + (f" ({self.affiliation})" if self.affiliation else ""))
        if self.presenters:
            parts.append("Presenters: " + ", ".join(self.presenters))
        if self.when:
            parts.append(f"When: {self.when}")
        if self.event:
            parts.append(f"Event: {self.event}" + (f", {self.location}" if self.location else ""))
        if self.authors_count is not None:
            parts.append(f"Authors: {self.authors_count}")
        if self.date and self.kind == "paper":
            parts.append(f"Published: {self.date}")
        return ". ".join(parts) + "."

    def content_hash(self) -> str:
        """Hash of everything that is embedded or shown, so any edit changes it."""
        return hashlib.sha256(self.model_dump_json(exclude={"sources"}).encode()).hexdigest()[:16]


def make_entry_id(kind: str, key: str) -> str:
    """A stable id: readable slug of the key plus a short hash (stable across runs and machines)."""
    norm = normalize_title(key)
    slug = "-".join(norm.split()[:6])
    digest = hashlib.sha1(f"{kind}:{norm}".encode()).hexdigest()[:8]
    return f"{kind}-{slug}-{digest}"
