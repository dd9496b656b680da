"""The corpus as people read it: human source names, one sortable date format, table rows, accent-insensitive
search and the full details of one entry."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from index.entries import Entry
from index.text import fold, month_number

ENTRY_COLUMNS: tuple[str, ...] = (
    "kind",
    "title",
    "people",
    "affiliation",
    "day",
    "time",
    "date",
    "authors",
    "source",
    "line",
)
"""Keys of the /entries API rows (plus ``id`` and ``source_name``)."""
TABLE_COLUMNS: tuple[str, ...] = ("kind", "title", "people", "date", "source_name")
TABLE_HEADERS: tuple[str, ...] = ("Kind", "Title", "Speaker / presenters", "Date", "Source")

_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def sortable_date(value: str | None) -> str:
    """One date format that sorts as text: ``YYYY-MM-DD``, or ``--MM-DD`` when the source gives no year.

    Unrecognised values are returned unchanged (stripped); ``None`` and blanks become ``""``.
    """
    text = (value or "").strip()
    if not text or _ISO.match(text):
        return text
    month = day = year = None
    if m := _MONTH_DAY_YEAR.match(text):
        month, day, year = month_number(m.group(1)), int(m.group(2)), m.group(3)
    elif m := _DAY_MONTH_YEAR.match(text):
        month, day, year = month_number(m.group(2)), int(m.group(1)), m.group(3)
    if month is None or day is None or not 1 <= day <= 31:
        return text
    return f"{year}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def source_names(entries: Iterable[Entry]) -> dict[str, str]:
    """A readable name for every seed file, e.g. "Symposium agenda (Rovinj 2024)", "Daily Papers (page 1)".

    Built from what the entries say about their page (collection, event, place, dates); files that would get the
    same name are numbered as pages in file-name order.
    """
    by_file: dict[str, list[Entry]] = {}
    for entry in entries:
        for ref in entry.sources or []:
            by_file.setdefault(ref.file, []).append(entry)
    base = {file: _base_name(file, items) for file, items in sorted(by_file.items())}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    out = {}
    for file, name in base.items():
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            out[file] = f"{name} (page {seen[name]})"
        else:
            out[file] = name
    return out


def _base_name(file: str, entries: Sequence[Entry]) -> str:
    if all(e.collection == "added documents" for e in entries):  # the collection of index.documents' entries
        return file  # an added document is known by its file name (never "added documents (page 2)")
    events = [e for e in entries if e.event]
    if events:
        event = events[0].event or ""
        place = (events[0].location or "").split(",")[0].strip()
        years = sorted({(e.date or "")[:4] for e in events if _ISO.match(e.date or "")})
        detail = " ".join(x for x in (place, years[0] if years else "") if x)
        label = "Symposium agenda" if "symposium" in event.lower() else f"{event} agenda"
        return f"{label} ({detail})" if detail else label
    collections = [e.collection for e in entries if e.collection]
    if collections:
        return max(set(collections), key=collections.count)
    return re.sub(r"[_-]+", " ", file.rsplit(".", 1)[0]).strip() or file


def entry_row(entry: Entry, names: dict[str, str] | None = None) -> dict[str, Any]:
    """One row of the Corpus table and the /entries API (keys: ``ENTRY_COLUMNS`` plus ``id`` and ``source_name``)."""
    names = names or {}
    return {
        "id": entry.id,
        "kind": entry.kind,
        "title": entry.title,
        "people": ", ".join(entry.people),
        "affiliation": entry.affiliation or "",
        "day": entry.day or "",
        "time": entry.time or "",
        "date": sortable_date(entry.date or entry.page_date),
        "authors": entry.authors_count if entry.authors_count is not None else "",
        "source": entry.source,
        "source_name": names.get(entry.source, entry.source),
        "line": entry.line,
    }


def filter_rows(rows: Sequence[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Rows containing every word of ``query`` in some field, ignoring case and accents ("stephane" finds
    "Stéphane"); all rows for an empty query."""
    words = fold(query).split()
    if not words:
        return list(rows)
    out = []
    for row in rows:
        haystack = fold(" ".join(str(v) for v in row.values()))
        if all(w in haystack for w in words):
            out.append(row)
    return out


def rows_to_table(rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Rows as lists in ``TABLE_COLUMNS`` order, for gr.Dataframe."""
    return [[row[c] for c in TABLE_COLUMNS] for row in rows]


def count_text(shown: int, total: int) -> str:
    """ "12 of 299 entries", or "299 entries" when nothing is filtered, or a clear "no entries match"."""
    if shown == 0 and total:
        return f"No entries match this search (0 of {total})."
    return f"{shown} of {total} entries" if shown != total else f"{total} entries"


def render_entry_details(entry: Entry, names: dict[str, str]) -> str:
    """The full record of one entry as HTML (every value escaped; links in the text stay plain text)."""
    rows: list[tuple[str, str]] = []
    if entry.people:
        noun = "Speaker" if entry.speaker else ("Presenter" if entry.presenters else "Author")
        label = noun if entry.speaker or len(entry.people) == 1 else f"{noun}s"
        rows.append((label, ", ".join(entry.people) + (f" — {entry.affiliation}" if entry.affiliation else "")))
    if entry.when:
        rows.append(("When", entry.when))
    if entry.event:
        rows.append(("Event", ", ".join(x for x in (entry.event, entry.location) if x)))
    if entry.kind == "paper" and (entry.date or entry.page_date):
        rows.append(("Date", sortable_date(entry.date or entry.page_date)))
    elif entry.year:
        rows.append(("Year", str(entry.year)))
    if entry.venue:
        rows.append(("Venue", entry.venue))
    if entry.authors_count is not None:
        rows.append(("Authors", f"{entry.authors_count} (names not in the corpus)"))
    for ref in entry.sources:
        rows.append(("Source", f"{names.get(ref.file, ref.file)}, line {ref.line}"))
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in (entry.text or "").split("\n") if p.strip())
    return (
        f'<div class="ra-details"><div class="ra-card-head"><span class="ra-title">{esc(entry.title)}</span>'
        f'<span class="ra-kind">{esc(entry.kind)}</span></div><dl class="ra-meta">{meta}</dl>'
        f'<div class="ra-fulltext">{paragraphs or "<p><em>No text beyond the title.</em></p>"}</div></div>'
    )


def esc(text: object) -> str:
    """HTML-escaped text that also cannot start template syntax (``${`` or ``{{``) in Gradio's HTML component."""
    return html.escape(str(text)).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def corpus_intro(entries: Iterable[Entry], names: dict[str, str]) -> str:
    """One line saying what the corpus is and what to ask, from what the entries say about their pages: "25 talks
    of the … symposium (Rovinj, Croatia, 2024) · 10 tutorials · 70 papers from 2 Daily Papers pages · …"."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.event or entry.collection or names.get(entry.source, entry.source), []).append(entry)
    parts = []
    for label, items in sorted(groups.items(), key=lambda g: (not g[1][0].event, -len(g[1]))):
        kinds = sorted({e.kind for e in items})
        noun = _plural(len(items), kinds[0]) if len(kinds) == 1 else f"{len(items)} entries"
        files = {e.source for e in items}
        first = items[0]
        if first.event:
            years = sorted({(e.date or "")[:4] for e in items if _ISO.match(e.date or "")})
            where = ", ".join(x for x in (first.location, years[0] if years else "") if x)
            parts.append(f"{noun} of the {first.event}" + (f" ({where})" if where else ""))
        elif first.collection == "added documents":
            parts.append(f"{_plural(len(items), 'document')} you added")
        elif len(files) > 1:
            parts.append(f"{noun} from {len(files)} {label} pages")
        elif label.lower() in {_plural(2, k)[2:].lower() for k in kinds}:
            parts.append(noun)
        else:
            parts.append(f"{noun} in a {label} library")
    what = " · ".join(parts) or "nothing indexed yet"
    return (
        f"**What's here:** {what}. **Ask** who speaks when, what a talk or paper says, which tutorial covers a "
        "topic, or for a list; every answer cites the entries it comes from."
    )


def _plural(n: int, kind: str) -> str:
    return f"{n} {kind}" if n == 1 else f"{n} {kind}s"
