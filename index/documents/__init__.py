"""Readers for the user's own documents, one module per format, chosen by file suffix (like index/parsers, which
chooses seed formats by content): PDF text layers, Markdown and plain text, BibTeX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.documents import bibtex, pdf, text
from index.documents.common import DocumentError, ParsedDocument

__all__ = ["READERS", "DocumentError", "ParsedDocument", "parse_document", "reader_for"]

# suffix -> reader
READERS: dict[str, Callable[[Path], ParsedDocument]] = {
    **dict.fromkeys(pdf.SUFFIXES, pdf.parse),
    **dict.fromkeys(text.SUFFIXES, text.parse),
    **dict.fromkeys(bibtex.SUFFIXES, bibtex.parse),
}


def reader_for(path: Path) -> Callable[[Path], ParsedDocument]:
    """The reader for a file's suffix; DocumentError naming the file for any other type."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise DocumentError(path.name, f"unsupported file type {path.suffix or '(none)'!r}; supported: {known}")
    return reader


def parse_document(path: Path) -> ParsedDocument:
    """Entries read from one document. DocumentError (naming the file) for anything that cannot be added."""
    reader = reader_for(path)
    if path.stat().st_size == 0:
        raise DocumentError(path.name, "file is empty")
    try:
        parsed = reader(path)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(path.name, "file is too deeply nested to read (corrupt?)") from None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, UnicodeError) as exc:
        raise DocumentError(path.name, f"cannot be read: {type(exc).__name__}: {exc}") from None
    if not parsed.entries:
        raise DocumentError(path.name, "no entries found")
    return parsed
