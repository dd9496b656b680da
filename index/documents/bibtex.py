"""BibTeX files through bibtexparser 2 (MIT): each record becomes a paper entry with title, authors, year, venue
and abstract, LaTeX accents and braces decoded ("M{\\"u}ller" → "Müller")."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from index.documents.common import DocumentError, ParsedDocument, clean_title, paper_entry
from index.documents.text import read_text

FORMAT = "bibtex"
SUFFIXES = (".bib",)
_VENUE_FIELDS = ("journal", "booktitle", "howpublished", "publisher", "school", "institution", "organization")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
_MAX_RECORDS = 20_000


def _value(fields: dict[str, object], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value).replace("{", "").replace("}", "")).strip()


def _authors(fields: dict[str, object]) -> list[str]:
    raw = fields.get("author") or fields.get("editor") or []
    names = raw if isinstance(raw, list) else [str(raw)]
    cleaned = [re.sub(r"\s+", " ", str(n).replace("{", "").replace("}", "")).strip() for n in names]
    return [n for n in cleaned if n and n.lower() != "others"]


def parse(path: Path) -> ParsedDocument:
    """One entry per record that has a title; records that fail to parse are reported, the rest are kept."""
    import bibtexparser
    from bibtexparser import middlewares as mw

    text = read_text(path)
    name = path.name
    # bibtexparser logs each failed block itself; the outcome reports them once, so its log is kept quiet.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    try:
        library = bibtexparser.parse_string(
            text,
            append_middleware=[
                mw.LatexDecodingMiddleware(),
                mw.SeparateCoAuthors(),
                mw.SplitNameParts(),
                mw.MergeNameParts(style="first"),
            ],
        )
    except Exception as exc:  # the parser raises assorted types on malformed input
        raise DocumentError(name, f"BibTeX cannot be parsed ({exc})") from None
    warnings = [f"record at line {b.start_line + 1} could not be parsed" for b in library.failed_blocks]
    entries = []
    for record in library.entries[:_MAX_RECORDS]:
        fields = {k.lower(): f.value for k, f in record.fields_dict.items()}
        title = clean_title(_value(fields, "title"))
        if not title:
            warnings.append(f"record {record.key!r} at line {record.start_line + 1} has no title; skipped")
            continue
        year = _YEAR.search(_value(fields, "year") or _value(fields, "date"))
        venue = next((_value(fields, f) for f in _VENUE_FIELDS if _value(fields, f)), None)
        entries.append(
            paper_entry(
                title=title,
                text=_value(fields, "abstract"),
                file=name,
                line=record.start_line + 1,
                authors=_authors(fields),
                year=int(year.group(1)) if year else None,
                venue=venue,
            )
        )
    if len(library.entries) > _MAX_RECORDS:
        warnings.append(f"only the first {_MAX_RECORDS:,} of {len(library.entries):,} records were read")
    if not entries:
        why = "; ".join(warnings[:3]) or "no @article/@inproceedings/… records found"
        raise DocumentError(name, f"no BibTeX records with a title ({why})")
    return ParsedDocument(FORMAT, entries, pages=None, warnings=warnings)
