"""Exports a researcher can take away: an answer or a whole conversation as Markdown with a numbered reference
list, and the cited entries as BibTeX. Inputs are the JSON turn dicts the UI keeps (see ``assistant.ui.session``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from index.text import MONTHS

_BIB_SPECIAL = re.compile(r"([&%$#_])")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR_ONLY = re.compile(r"^(\d{4})")
_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\](?!\()")


def reference_line(c: dict[str, Any]) -> str:
    """One reference in plain text: title, kind, people, event and date, where it was read (name, file:line,
    page)."""
    parts = [f"“{c.get('title', '')}” ({c.get('kind', 'entry')})"]
    people = _people(c)
    if people:
        parts.append(", ".join(people) + (f" ({c['affiliation']})" if c.get("affiliation") else ""))
    elif c.get("authors_count") is not None:
        parts.append(f"{c['authors_count']} authors")
    event = ", ".join(x for x in (c.get("event") or c.get("venue"), c.get("location")) if x)
    if event:
        parts.append(event)
    date = c.get("date") or (str(c["year"]) if c.get("year") else None)
    when = ", ".join(x for x in (" ".join(x for x in (c.get("day"), date) if x), c.get("time")) if x)
    if when:
        parts.append(when)
    where = c.get("source_name") or c.get("source") or ""
    location = f"{c.get('source', '')}:{c.get('line')}" if c.get("line") else c.get("source", "")
    if where:
        parts.append(f"{where} ({location})" if location and location != where else where)
    if c.get("page"):
        parts.append(f"page {c['page']}")
    return ". ".join(p for p in parts if p) + "."


def answer_markdown(turn: dict[str, Any], heading: str = "##") -> str:
    """One question and its answer as Markdown: the answer with its [n] markers, then its numbered references and
    the passages quoted from them."""
    lines = [f"{heading} {_md_inline(turn.get('question', ''))}", ""]
    answer = turn.get("answer") or {}
    if turn.get("error"):
        lines += [f"_{_md_inline(turn['error'])}_", ""]
    elif answer:
        lines += [_md_inline(answer.get("text", "")), ""]
        citations = answer.get("citations") or []
        if citations:
            lines += ["**References**", ""]
            for c in citations:
                lines.append(f"[{c.get('marker')}] {_md_inline(reference_line(c))}")
                for quote in _quotes(c):
                    lines.append(f"    > {_md_inline(quote)}")
            lines.append("")
    else:
        lines += ["_(no answer yet)_", ""]
    return "\n".join(lines)


def conversation_markdown(turns: Sequence[dict[str, Any]], title: str = "Research Assistant conversation") -> str:
    """Every turn as Markdown; each answer keeps its own numbered references."""
    body = [f"# {title}", ""]
    for i, turn in enumerate(turns, start=1):
        body.append(answer_markdown({**turn, "question": f"{i}. {turn.get('question', '')}"}))
    return "\n".join(body).rstrip() + "\n"


def bibtex(citations: Iterable[dict[str, Any]]) -> str:
    """The cited entries as BibTeX ``@misc`` records (deduplicated by entry): title, author (speaker, presenters,
    an added paper's authors, or a note with the author count when the corpus has no names), howpublished (event,
    venue or source page), date or year."""
    records: list[str] = []
    seen: set[str] = set()
    for c in citations:
        key = bibtex_key(c)
        if key in seen:
            continue
        seen.add(key)
        fields: list[tuple[str, str]] = [("title", str(c.get("title", "")))]
        people = _people(c)
        if people:
            fields.append(("author", " and ".join(people)))
        elif c.get("authors_count") is not None:
            fields.append(("note", f"{c['authors_count']} authors (names not in the corpus)"))
        venue = ", ".join(x for x in (c.get("event") or c.get("venue"), c.get("location")) if x)
        venue = venue or c.get("source_name") or ""
        kind = str(c.get("kind", "entry"))
        if venue:
            fields.append(("howpublished", f"{kind.capitalize()}, {venue}"))
        fields.extend(_date_fields(str(c.get("date") or c.get("year") or "")))
        fields.append(("keywords", kind))
        body = ",\n".join(f"  {name} = {{{_bib_value(value)}}}" for name, value in fields if value)
        records.append(f"@misc{{{key},\n{body}\n}}")
    return "\n\n".join(records) + ("\n" if records else "")


def bibtex_key(c: dict[str, Any]) -> str:
    """A BibTeX key from the entry id (letters, digits, ``-`` and ``_`` only)."""
    raw = str(c.get("entry_id") or c.get("title") or "entry")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-") or "entry"


def conversation_citations(turns: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every citation of every finished answer, in order."""
    return [c for t in turns for c in ((t.get("answer") or {}).get("citations") or [])]


def _people(c: dict[str, Any]) -> list[str]:
    if c.get("speaker"):
        return [str(c["speaker"])]
    return [str(p) for p in c.get("presenters") or c.get("authors") or [] if p]


def _quotes(c: dict[str, Any]) -> list[str]:
    quotes = [str(q) for q in c.get("quotes") or [] if q]
    return quotes or ([str(c["quote"])] if c.get("quote") else [])


def _date_fields(date: str) -> list[tuple[str, str]]:
    if m := _ISO.match(date):
        return [("year", m.group(1)), ("month", MONTHS[int(m.group(2)) - 1][:3].lower()), ("date", date)]
    if m := _YEAR_ONLY.match(date):
        return [("year", m.group(1))]
    return []


def _bib_value(value: str) -> str:
    """A field value safe inside braces: no unbalanced braces or backslashes, LaTeX specials escaped."""
    cleaned = value.replace("\\", " ").replace("{", "(").replace("}", ")")
    return _BIB_SPECIAL.sub(r"\\\1", " ".join(cleaned.split()))


def _md_inline(text: str) -> str:
    """Text for Markdown, shown literally: characters that would start links, HTML or emphasis are escaped."""
    # "_" inside words never makes emphasis, so file names such as 003_x.txt stay as they are
    escaped = re.sub(r"([\\`*\[\]<>!|]|(?<!\w)_|_(?!\w))", r"\\\1", " ".join(str(text).split()))
    return _ESCAPED_MARKER.sub(r"[\1]", escaped)  # citation markers stay readable: [1], not \[1\]
