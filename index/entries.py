"""The Entry record: one paper, talk or tutorial, with where it came from and every metadata field it carries."""

from __future__ import annotations

import bisect
import hashlib
import re
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter

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
    # added documents (PDF, Markdown, BibTeX): named authors, year and venue, and where each page starts in `text`
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    page_starts: list[int] = Field(default_factory=list, description="Offset in `text` of each page (1, 2, …).")
    document: str | None = Field(default=None, description="Stored file the text (and pages) came from.")

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
        """Speaker, presenters or authors, whichever the entry has."""
        return [self.speaker] if self.speaker else list(self.presenters or self.authors)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page of a character offset in `text`; None for entries without pages."""
        if not self.page_starts or offset < 0:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def page_of(self, quote: str) -> int | None:
        """The page a quote of this entry's text starts on (whitespace and markup may differ); None when the entry
        has no pages or the quote is not from its text."""
        if not self.page_starts or not quote.strip():
            return None
        at = self.text.find(quote)
        if at < 0:
            head = re.findall(r"\w+", quote)[:10]
            if not head:
                return None
            found = re.search(r"\W+".join(map(re.escape, head)), self.text)
            at = found.start() if found else -1
        return self.page_at(at)

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
        if self.authors:
            parts.append("Authors: " + ", ".join(self.authors))
        elif self.authors_count is not None:
            parts.append(f"Authors: {self.authors_count}")
        if self.date and self.kind == "paper":
            parts.append(f"Published: {self.date}")
        elif self.year is not None:
            parts.append(f"Year: {self.year}")
        if self.venue:
            parts.append(f"Venue: {self.venue}")
        return ". ".join(parts) + "."

    def content_hash(self) -> str:
        """Hash of everything that is embedded or shown, so any edit changes it."""
        # Fields added for documents are left out while unset, so seed entries keep the hashes they always had.
        unset = {name for name in _DOCUMENT_FIELDS if getattr(self, name) in (None, [])}
        return hashlib.sha256(self.model_dump_json(exclude={"sources", *unset}).encode()).hexdigest()[:16]


_DOCUMENT_FIELDS = ("authors", "year", "venue", "page_starts", "document")


def make_entry_id(kind: str, key: str) -> str:
    """A stable id: readable slug of the key plus a short hash (stable across runs and machines)."""
    norm = normalize_title(key)
    slug = "-".join(norm.split()[:6])
    digest = hashlib.sha1(f"{kind}:{norm}".encode()).hexdigest()[:8]
    return f"{kind}-{slug}-{digest}"


ENTRY_LIST: TypeAdapter[list[Entry]] = TypeAdapter(list[Entry])
"""Validates (and dumps) a whole list of entries in one call: much faster than one ``model_validate`` per entry."""
