"""What every seed parser shares: errors that name file and line, warnings, page chrome, line access."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.entries import Entry

# Navigation and page furniture copied along with the content; never part of an entry.
PAGE_CHROME = frozenset(
    {
        "show more",
        "show less",
        "view full details",
        "subscribe",
        "successful page load",
        "new",
        "get trending papers in your email inbox!",
        "daily papers",
        "byak and the research community",
    }
)


class SeedError(ValueError):
    """A seed file cannot be read as any known format; the message names the file and line."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line, self.reason = file, line, message
        super().__init__(f"{file}:{line}: {message}")


@dataclass(frozen=True)
class SeedWarning:
    """Something odd but survivable in a seed file (e.g. a truncated last entry). ``loud`` ones may mean lost data
    (a stated count not met, many entries gone) and are logged as warnings when a build changes the index."""

    file: str
    line: int
    message: str
    loud: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SeedLimits:
    """Guards against runaway seed files: the largest file read and the most entries one file may yield."""

    max_bytes: int = 10_000_000
    max_entries: int = 20_000


DEFAULT_SEED_LIMITS = SeedLimits()


@dataclass
class ParseResult:
    """Entries read from one file, with the warnings raised on the way."""

    file: str
    format: str
    entries: list[Entry] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """A non-blank line with its 1-based number in the file."""

    number: int
    text: str


def content_lines(text: str) -> list[Line]:
    """Non-blank lines, stripped, numbered as in the file."""
    return [Line(i, raw.strip()) for i, raw in enumerate(text.splitlines(), start=1) if raw.strip()]


def is_chrome(text: str) -> bool:
    """True for page furniture such as "Show more" or "Subscribe"."""
    return text.strip().lower() in PAGE_CHROME


_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.\-]*"
_PARTICLE = r"(?:da|de|del|della|van|von|der|den|du|le|la)"
NAME_RE = re.compile(rf"^{_NAME_WORD}(?: (?:{_PARTICLE}|{_NAME_WORD})){{1,4}}$")


def looks_like_person(text: str) -> bool:
    """A short run of capitalised words ("Yue M. Lu", "Rava da Silveira"): a person's name."""
    return bool(NAME_RE.match(text.strip())) and len(text) <= 60 and not text.rstrip().endswith(".")


def clean_inline_markup(text: str) -> str:
    """Drop HTML tags and markdown emphasis/heading markers, keep the words."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^#+\s*", "", text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)\*(?!\s)([^*]+?)\*(?!\w)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()
