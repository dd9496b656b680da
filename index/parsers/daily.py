"""Daily-papers pages: page chrome, a page date, then title, abstract, "• N authors", "·", publication date."""

from __future__ import annotations

import re

from index.entries import Entry, make_entry_id
from index.parsers.common import Line, ParseResult, SeedWarning, content_lines, is_chrome
from index.text import MONTH_ABBREVIATION_PATTERN

FORMAT = "daily-papers"
COLLECTION = "Daily Papers"
_AUTHORS_RE = re.compile(r"^[•·*\-]?\s*(\d+) authors?$")
_MONTHS = f"(?:{MONTH_ABBREVIATION_PATTERN})"
# "Aug 28, 2023", "Apr 21" (current year, as the page shows it), "Jul 5, 2022 1" (a trailing vote count).
_DATE_RE = re.compile(rf"^({_MONTHS} \d{{1,2}}(?:, \d{{4}})?)(?:\s+\d+)?$")


def score(text: str) -> float:
    """How much the text looks like a daily-papers page."""
    lines = [ln.text for ln in content_lines(text)[:400]]
    return 1.0 * min(sum(bool(_AUTHORS_RE.match(t)) for t in lines), 10) + (
        2.0 if any(t.lower() == "daily papers" for t in lines[:10]) else 0.0
    )


def _is_meta(text: str) -> bool:
    return bool(_AUTHORS_RE.match(text) or _DATE_RE.match(text) or text in ("·", "•"))


def parse(text: str, file: str) -> ParseResult:
    """Parse a daily-papers page into paper entries with author count and date where shown."""
    result = ParseResult(file=file, format=FORMAT)
    lines: list[Line] = content_lines(text)
    i = 0
    page_date: str | None = None
    # Header: chrome and the page's own date, before the first title.
    while i < len(lines) and (is_chrome(lines[i].text) or _DATE_RE.match(lines[i].text)):
        if _DATE_RE.match(lines[i].text):
            page_date = _DATE_RE.match(lines[i].text).group(1)  # type: ignore[union-attr]
        i += 1
    while i < len(lines):
        title = lines[i]
        if is_chrome(title.text) or _is_meta(title.text):
            result.warnings.append(SeedWarning(file, title.number, f"unexpected line skipped: {title.text[:60]!r}"))
            i += 1
            continue
        abstract = ""
        if i + 1 < len(lines) and not _is_meta(lines[i + 1].text):
            abstract = lines[i + 1].text
            i += 2
        else:
            i += 1
        authors: int | None = None
        date: str | None = None
        saw_meta = False
        while i < len(lines) and _is_meta(lines[i].text):
            saw_meta = True
            if m := _AUTHORS_RE.match(lines[i].text):
                authors = int(m.group(1))
            elif m := _DATE_RE.match(lines[i].text):
                date = m.group(1)
            i += 1
        if i >= len(lines) and (not abstract or (saw_meta and date is None)):
            result.warnings.append(
                SeedWarning(
                    file,
                    title.number,
                    f"paper {title.text[:60]!r} is cut off at the end of the file (missing abstract or date)",
                )
            )
        result.entries.append(
            Entry(
                id=make_entry_id("paper", title.text),
                kind="paper",
                title=title.text,
                text=abstract,
                sources=[{"file": file, "line": title.number}],
                collection=COLLECTION,
                authors_count=authors,
                date=date,
                page_date=page_date,
            )
        )
    return result
