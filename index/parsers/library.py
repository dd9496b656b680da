"""A paper library listing: a header ("Research Papers", "N papers in library"), then title / abstract line pairs."""

from __future__ import annotations

import re

from index.entries import Entry, make_entry_id
from index.parsers.common import ParseResult, SeedWarning, content_lines, is_chrome

FORMAT = "paper-library"
_COUNT_RE = re.compile(r"^\d+ papers? in library$", re.IGNORECASE)


def score(text: str) -> float:
    """How much the text looks like a paper library listing."""
    lines = [ln.text for ln in content_lines(text)[:50]]
    s = 3.0 if any(_COUNT_RE.match(t) for t in lines[:5]) else 0.0
    s += 1.0 if lines and lines[0].lower() == "research papers" else 0.0
    # Alternating short title / long abstract lines ending in "...".
    s += 0.2 * sum(t.endswith("...") for t in lines[1::2])
    return s


def parse(text: str, file: str) -> ParseResult:
    """Parse a library listing into paper entries (duplicates are merged later, across files)."""
    result = ParseResult(file=file, format=FORMAT)
    lines = [ln for ln in content_lines(text) if not is_chrome(ln.text)]
    collection = "Research Papers"
    start = 0
    while (
        start < len(lines)
        and start < 3
        and (_COUNT_RE.match(lines[start].text) or lines[start].text.lower() == "research papers")
    ):
        if lines[start].text.lower() == "research papers":
            collection = lines[start].text
        start += 1
    body = lines[start:]
    for j in range(0, len(body), 2):
        title = body[j]
        if j + 1 >= len(body):
            result.warnings.append(
                SeedWarning(file, title.number, f"paper {title.text[:60]!r} has no abstract line (file truncated?)")
            )
            abstract = ""
        else:
            abstract = body[j + 1].text
            if title.text.endswith("...") and len(title.text) > 150:
                result.warnings.append(
                    SeedWarning(
                        file,
                        title.number,
                        "expected a title but found an abstract; title/abstract lines are out of step",
                    )
                )
        result.entries.append(
            Entry(
                id=make_entry_id("paper", title.text),
                kind="paper",
                title=title.text,
                text=re.sub(r"\s*\.\.\.$", "", abstract),
                sources=[{"file": file, "line": title.number}],
                collection=collection,
            )
        )
    return result
