"""Where a quote really is, and a viewer of it: the quoted span found in the entry's source file (its real line),
or in an added document's text (its page), shown with line numbers and the span highlighted.

A talk's record points at its schedule row; its abstract, where quotes come from, lies further down the same
file. So a card's line is the quote's line, found by matching the quote's words in order against the file's words
(markup such as ``<b>`` or ``*`` between them is skipped)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.ui.corpus import esc
from index.entries import Entry
from index.settings import IndexSettings
from index.text import fold

_WORD = re.compile(r"\w+")
_TAG = re.compile(r"</?(?:b|i|em|strong|u)>", re.I)  # the agenda's inline markup, not text a reader quotes
_MATCH_WORDS = 12  # enough words to place a quote; fewer than a whole long quote, which may be cut in the middle
_CONTEXT_LINES = 2
_MAX_BLOCK_LINES = 30


@dataclass(frozen=True)
class Token:
    """A word of a text: folded form, line index (0-based) and character span within that line."""

    word: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    """A quote found in a text: first and last token indexes."""

    first: int
    last: int


def tokenize(lines: Sequence[str]) -> list[Token]:
    """Every word of the lines, folded (case and accents ignored)."""
    return [Token(fold(m.group()), i, m.start(), m.end()) for i, line in enumerate(lines) for m in _WORD.finditer(line)]


def find_quote(tokens: Sequence[Token], quote: str, from_line: int = 0) -> Span | None:
    """Where the quote's words occur in order in ``tokens``: first at or after line index ``from_line``, else
    anywhere. The first ``_MATCH_WORDS`` words place it; the span covers as many words as the quote has."""
    wanted = [fold(w) for w in _WORD.findall(quote)]
    if not wanted or not tokens:
        return None
    head = wanted[:_MATCH_WORDS]
    words = [t.word for t in tokens]
    starts = [i for i in range(len(words) - len(head) + 1) if words[i : i + len(head)] == head]
    if not starts:
        return None
    start = next((i for i in starts if tokens[i].line >= from_line), starts[0])
    last = start + len(head) - 1
    while last + 1 < len(words) and last + 1 - start < len(wanted) and words[last + 1] == wanted[last + 1 - start]:
        last += 1
    return Span(start, last)


def source_path(settings: IndexSettings, file: str) -> Path | None:
    """The readable text file an entry came from: a seed file, or an added Markdown or text document (PDFs are
    not text: their entries are shown from their extracted text instead)."""
    if not file or "/" in file or "\\" in file or file.startswith("."):
        return None
    for folder in (settings.seeds_dir, settings.documents_dir):
        path = Path(folder) / file
        if path.is_file() and path.suffix.lower() in (".txt", ".md", ".markdown"):
            return path
    return None


@lru_cache(maxsize=32)
def _read_lines(path: str, mtime: float) -> tuple[str, ...]:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return tuple(_TAG.sub("", line) for line in text.splitlines())


def file_lines(path: Path | None) -> tuple[str, ...]:
    """The file's lines (cached while the file is unchanged); none when there is no file."""
    if path is None:
        return ()
    try:
        return _read_lines(str(path), path.stat().st_mtime)
    except OSError:
        return ()


def quote_line(entry: Entry, quote: str, settings: IndexSettings) -> int | None:
    """The 1-based line of the quote in the entry's source file (nearest after the entry's own line), or None when
    the quote is not in the file (a record line made from the entry's fields, or a PDF)."""
    lines = file_lines(source_path(settings, entry.source))
    tokens = tokenize(lines)
    span = find_quote(tokens, quote, max(0, entry.line - 1))
    return None if span is None else tokens[span.first].line + 1


def _marked_line(line: str, index: int, tokens: Sequence[Token], span: Span | None) -> str:
    """One line escaped, with the part of the quoted span on it marked."""
    inside = [t for t in tokens[span.first : span.last + 1] if t.line == index] if span else []
    if not inside:
        return esc(line)
    a, b = inside[0].start, inside[-1].end
    return f"{esc(line[:a])}<mark>{esc(line[a:b])}</mark>{esc(line[b:])}"


def _block(lines: Sequence[str], first: int, last: int, tokens: Sequence[Token], span: Span | None) -> str:
    rows = "".join(
        f'<tr data-line="{i + 1}"><td class="ra-ln">{i + 1}</td><td>{_marked_line(lines[i], i, tokens, span)}</td></tr>'
        for i in range(first, last + 1)
    )
    return f'<table class="ra-src-lines">{rows}</table>'


def _paragraph(lines: Sequence[str], first: int, last: int) -> tuple[int, int]:
    """The lines from ``first`` to ``last`` widened to the blank lines around them (capped), plus context."""
    top, bottom = first, last
    while top > 0 and lines[top - 1].strip() and first - top < _MAX_BLOCK_LINES // 2:
        top -= 1
    while bottom + 1 < len(lines) and lines[bottom + 1].strip() and bottom - last < _MAX_BLOCK_LINES // 2:
        bottom += 1
    return max(0, top - _CONTEXT_LINES), min(len(lines) - 1, bottom + _CONTEXT_LINES)


def render_source(entry: Entry, names: dict[str, str], settings: IndexSettings, quote: str = "") -> str:
    """The source viewer: the entry's title, kind and readable source; then the source file's lines where the entry
    is recorded and where the quote is, numbered, with the quoted span marked. A PDF or an entry without a text file
    is shown from its text, the quote marked and its page named."""
    name = names.get(entry.source, entry.source)
    head = (
        f'<div class="ra-card-head"><span class="ra-title">{esc(entry.title)}</span>'
        f'<span class="ra-kind">{esc(entry.kind)}</span></div>'
    )
    lines = file_lines(source_path(settings, entry.source))
    if lines:
        tokens = tokenize(lines)
        # Without a quote, the start of the entry's text shows where it is written (unmarked).
        probe = quote or " ".join(_WORD.findall(entry.text or "")[:_MATCH_WORDS])
        span = find_quote(tokens, probe, max(0, entry.line - 1)) if probe else None
        marked = span if quote else None
        record = max(0, min(entry.line - 1, len(lines) - 1))
        # The record row alone: its neighbours are other entries.
        shown = [_block(lines, record, record, tokens, marked)]
        where = f"{esc(name)}, line {entry.line}"
        if span is not None:
            a, b = tokens[span.first].line, tokens[span.last].line
            lead = "quoted from" if quote else "text at"
            where = f"{lead} {esc(name)}, line {a + 1}" + (f"–{b + 1}" if b > a else "")
            top, bottom = _paragraph(lines, a, b)
            if top <= record <= bottom:
                shown = []
            shown.append(_block(lines, top, bottom, tokens, marked))
        elif quote:
            where += " (the quote is the entry's record, made from this row)"
        body = '<div class="ra-src-gap">⋯</div>'.join(shown)
        return (
            f'<div class="ra-source" data-entry="{esc(entry.id)}">{head}<div class="ra-src-where">{where}'
            f" · <code>{esc(entry.source)}</code></div>{body}</div>"
        )
    text = entry.text or entry.metadata_line()
    tokens = tokenize([text])
    span = find_quote(tokens, quote) if quote else None
    page = entry.page_of(quote) if quote else None
    where = f"{esc(name)}" + (f", page {page}" if page else "")
    body = f'<div class="ra-src-text">{_marked_line(text, 0, tokens, span)}</div>'
    where_html = f'<div class="ra-src-where">{where}</div>'
    return f'<div class="ra-source" data-entry="{esc(entry.id)}">{head}{where_html}{body}</div>'
