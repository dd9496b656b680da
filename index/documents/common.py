"""What every document reader shares: the error naming the file, the parse result, title and author helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.entries import Entry, SourceRef, make_entry_id
from index.parsers.common import looks_like_person


class DocumentError(ValueError):
    """A document cannot be added; the message names the file and what was wrong."""

    def __init__(self, file: str, message: str) -> None:
        self.file, self.reason = file, message
        super().__init__(f"{file}: {message}")


@dataclass
class ParsedDocument:
    """Entries read from one file: one for a paper or a note, one per record for BibTeX."""

    format: str
    entries: list[Entry] = field(default_factory=list)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)


_SPLIT_AUTHORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*")
_MARKS = re.compile(r"[\d*†‡§¶,\u00b9\u00b2\u00b3\u2070-\u2079]+$")


def split_authors(text: str) -> list[str]:
    """Names from an author line ("Jane Doe¹, John Smith* and Ann Lee"); [] unless every part looks like a name."""
    parts = [_MARKS.sub("", p).strip() for p in _SPLIT_AUTHORS.split(text.strip())]
    parts = [p for p in parts if p]
    if not parts or len(parts) > 30 or not all(looks_like_person(p) for p in parts):
        return []
    return parts


def paper_entry(
    *, title: str, text: str, file: str, line: int = 1, authors: list[str] | None = None, **fields: object
) -> Entry:
    """A paper entry whose id depends on its title only (so the same paper from a seed or another file merges)."""
    return Entry(
        id=make_entry_id("paper", title),
        kind="paper",
        title=title,
        text=text,
        sources=[SourceRef(file=file, line=line)],
        collection="added documents",
        authors=list(authors or []),
        **fields,  # type: ignore[arg-type]
    )


def clean_title(text: str) -> str:
    """A title with collapsed whitespace and no trailing punctuation."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".;:,").strip()
