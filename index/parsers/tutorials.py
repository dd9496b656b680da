"""Conference tutorial listings: title, presenters ("A ⋅ B"), description, "Show more" repeats, "View full details"."""

from __future__ import annotations

from index.entries import Entry, make_entry_id
from index.parsers.common import Line, ParseResult, SeedWarning, content_lines, is_chrome, looks_like_person

FORMAT = "tutorials"
COLLECTION = "Tutorials"


def score(text: str) -> float:
    """How much the text looks like a tutorial listing."""
    lines = [ln.text for ln in content_lines(text)[:400]]
    dots = sum(" ⋅ " in t for t in lines)
    heading = 2.0 if lines and lines[0].lower() == "tutorials" else 0.0
    details = sum(t.lower() in ("view full details", "show more") for t in lines)
    return heading + min(dots, 5) + min(details, 5) * 0.5


def _presenters(text: str) -> list[str] | None:
    if " ⋅ " in text or "⋅" in text:
        names = [n.strip() for n in text.split("⋅") if n.strip()]
        return names if all(looks_like_person(n) for n in names) else None
    return [text] if looks_like_person(text) else None


def _starts_entry(lines: list[Line], i: int) -> bool:
    """A title line is one followed by a presenters line."""
    return i + 1 < len(lines) and not is_chrome(lines[i].text) and _presenters(lines[i + 1].text) is not None


def parse(text: str, file: str) -> ParseResult:
    """Parse a tutorial listing into tutorial entries."""
    result = ParseResult(file=file, format=FORMAT)
    lines = content_lines(text)
    i = 1 if lines and lines[0].text.lower() == "tutorials" else 0
    while i < len(lines):
        if is_chrome(lines[i].text):
            i += 1
            continue
        if not _starts_entry(lines, i):
            result.warnings.append(
                SeedWarning(
                    file,
                    lines[i].number,
                    f"line is not a tutorial title followed by presenters; skipped: {lines[i].text[:60]!r}",
                )
            )
            i += 1
            continue
        title_line, presenters = lines[i], _presenters(lines[i + 1].text) or []
        i += 2
        body: list[str] = []
        terminated = False
        while i < len(lines):
            t = lines[i].text
            low = t.lower()
            if low == "view full details":
                terminated, i = True, i + 1
                break
            if low == "show more":
                # The page repeats the description after "Show more": skip lines already seen.
                i += 1
                seen = set(body)
                while i < len(lines) and lines[i].text in seen:
                    i += 1
                terminated = True
                break
            if body and _starts_entry(lines, i):
                terminated = True
                break
            if not is_chrome(t):
                body.append(t)
            i += 1
        if not terminated and i >= len(lines) and not body:
            result.warnings.append(
                SeedWarning(
                    file,
                    title_line.number,
                    f"tutorial {title_line.text[:60]!r} ends the file without a "
                    "description or 'View full details' (truncated?)",
                )
            )
        result.entries.append(
            Entry(
                id=make_entry_id("tutorial", title_line.text),
                kind="tutorial",
                title=title_line.text,
                text="\n".join(body),
                sources=[{"file": file, "line": title_line.number}],
                collection=COLLECTION,
                presenters=presenters,
            )
        )
    return result
