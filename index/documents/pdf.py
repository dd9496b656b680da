"""PDF text layers through pypdf (BSD, pure Python, the library llama-index's own PDFReader uses).

Each page's text is reflowed (lines of a paragraph joined, hyphenation at line ends undone) so that sentences are
whole, and the entry remembers where each page starts, so every chunk and every evidence sentence knows its page."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from index.documents.common import DocumentError, ParsedDocument, clean_title, paper_entry, split_authors

FORMAT = "pdf"
SUFFIXES = (".pdf",)
log = logging.getLogger(__name__)
_END = re.compile(r"[.!?:;][\"”’)\]]*$")
_BAD_TITLE = re.compile(r"^(untitled|microsoft word\b|file:|about:blank)|\.(html?|pdf|docx?|tex|dvi)$", re.I)
_MAX_TITLE_CHARS = 250
_LABELLED_AUTHORS = re.compile(r"^\s*(?:authors?|by)\s*[:：]\s*(.+)$", re.I)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_LABELLED_DATE = re.compile(r"^\s*(?:year|date|published|submitted|accepted|©|\(c\)|copyright)\b", re.I)
_HEAD_PARAGRAPHS = 12  # title, authors, affiliations, date: the part of page 1 above the abstract
_STAMP = re.compile(r"^(arxiv:\S+|preprint\b|under review\b|published as\b|accepted (at|to|for)\b|draft\b|\d+$)", re.I)


def reflow(page_text: str) -> str:
    """A page's lines joined into paragraphs, one per line: a line wide enough to have wrapped and not ending a
    sentence continues on the next line; a short line (a heading, a paragraph's last line) ends its paragraph."""
    lines = [ln.strip() for ln in page_text.replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    wide = 0.7 * max(50, max(len(ln) for ln in lines))
    out: list[str] = []
    current = ""
    for line in lines:
        if not current:
            current = line
        elif current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current += " " + line
        if len(line) < wide or _END.search(line):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return "\n".join(out)


def _reader(path: Path):  # type: ignore[no-untyped-def]  # pypdf.PdfReader, imported lazily
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    name = path.name
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(name, "file is empty")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise DocumentError(name, "not a PDF file (no %PDF header): corrupt, or another type named .pdf")
    if b"%%EOF" not in data[-2048:]:
        raise DocumentError(name, "PDF is truncated or damaged (no end-of-file marker); add a complete copy")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError, FileNotDecryptedError):
                opened = 0
            if not opened:
                raise DocumentError(name, "PDF is encrypted (password-protected); add an unprotected copy")
        _ = len(reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise DocumentError(name, f"PDF is corrupt or truncated and cannot be read ({exc})") from None
    return reader


def _page_texts(reader, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(reflow(page.extract_text() or ""))
        except Exception as exc:  # pypdf raises many types on damaged content streams; one page must not sink all
            log.warning("%s: page %d cannot be read (%s); skipped", name, number, exc)
            texts.append("")
    return texts


def _title_and_authors(reader, pages: list[str], fallback: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Title from the metadata (unless it is a file name or blank) or the first page's first line (stamps such as
    "arXiv:…" or "Preprint" skipped); authors from the metadata or the line under the title."""
    try:
        meta = reader.metadata or {}
    except Exception:  # damaged info dictionary: the text still counts
        meta = {}
    meta_title = clean_title(str(meta.get("/Title") or ""))
    meta_author = str(meta.get("/Author") or "").strip()
    first = next((p for p in pages if p.strip()), "")
    paragraphs = [p for p in first.split("\n") if p.strip() and not _STAMP.match(p.strip())]
    title = meta_title if meta_title and not _BAD_TITLE.search(meta_title) else ""
    if not title:
        head = clean_title(paragraphs[0]) if paragraphs else ""
        title = head if 3 <= len(head) <= _MAX_TITLE_CHARS and re.search(r"[^\W\d_]", head) else fallback
    authors = split_authors(meta_author) if meta_author else []
    if not authors:
        # Only the line right under the title found on the page: a title line itself can look like a name.
        after = next((i + 1 for i, p in enumerate(paragraphs) if clean_title(p).lower() == title.lower()), None)
        authors = split_authors(paragraphs[after]) if after is not None and after < len(paragraphs) else []
    if not authors:
        # An "Authors: …" line anywhere at the head of page 1 (a title page with a subtitle or a date first).
        labelled = (_LABELLED_AUTHORS.match(p) for p in paragraphs[:_HEAD_PARAGRAPHS])
        authors = next((found for m in labelled if m and (found := split_authors(m.group(1)))), [])
    return title[:_MAX_TITLE_CHARS], authors


def _year(pages: list[str]) -> int | None:
    """The year at the head of page 1: on a labelled line ("Published: March 2021", "© 2019") first, else on a
    short line of its own (a date or "NeurIPS 2017"); never from the PDF's creation date, which is when the file was
    made, not the paper."""
    first = next((p for p in pages if p.strip()), "")
    head = [p.strip() for p in first.split("\n") if p.strip()][:_HEAD_PARAGRAPHS]
    for lines in ([p for p in head if _LABELLED_DATE.match(p)], [p for p in head if len(p) <= 40]):
        for line in lines:
            if m := _YEAR.search(line):
                return int(m.group(1))
    return None


def parse(path: Path) -> ParsedDocument:
    """One paper entry from a PDF's text layer, with page offsets. DocumentError for an empty, corrupt, truncated or
    encrypted file, and for a scan without a text layer."""
    name = path.name
    # pypdf logs every recoverable oddity of real-world files as a warning; the outcome reports what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = _reader(path)
    pages = _page_texts(reader, name)
    if not pages:
        raise DocumentError(name, "PDF has no pages")
    if not any(p.strip() for p in pages):
        raise DocumentError(name, f"no text layer on any of its {len(pages)} page(s) (a scan?): OCR is not supported")
    title, authors = _title_and_authors(reader, pages, clean_title(path.stem.replace("_", " ")))
    starts, parts, at = [], [], 0
    for text in pages:
        starts.append(at)
        parts.append(text)
        at += len(text) + 2
    entry = paper_entry(
        title=title, text="\n\n".join(parts), file=name, authors=authors, page_starts=starts, year=_year(pages)
    )
    blank = [n for n, text in enumerate(pages, start=1) if not text.strip()]
    warnings = []
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" …" if len(blank) > 10 else "")
        warnings.append(f"{len(blank)} of {len(pages)} pages have no text layer (page {shown}; OCR is not supported)")
    return ParsedDocument(FORMAT, [entry], pages=len(pages), warnings=warnings)
