"""Markdown and plain-text notes: one entry per file, titled by its first heading (or first line)."""

from __future__ import annotations

import re
from pathlib import Path

from index.documents.common import DocumentError, ParsedDocument, clean_title, paper_entry, split_authors

FORMAT_MARKDOWN = "markdown"
FORMAT_TEXT = "text"
SUFFIXES = (".md", ".markdown", ".txt")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_AUTHOR_LINE = re.compile(r"^\s*(?:\*\*|__)?(?:authors?|by)(?:\*\*|__)?\s*[:\-]?\s*(.+)$", re.I)
_MAX_TITLE_CHARS = 250


def read_text(path: Path) -> str:
    """The file's text; DocumentError if it is empty, binary or not UTF-8."""
    data = path.read_bytes()
    name = path.name
    if not data.strip():
        raise DocumentError(name, "file is empty")
    if b"\x00" in data:
        raise DocumentError(name, "file is binary (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(name, f"not UTF-8 text (line {line}, byte {exc.start}: {exc.reason})") from None


def _title(lines: list[str], markdown: bool) -> tuple[str, int]:
    """The first heading (ATX "# Title" or setext underlined), else the first non-blank line, and its line index."""
    if markdown:
        for i, line in enumerate(lines):
            m = _HEADING.match(line)
            if m:
                return clean_title(m.group(1).replace("**", "").replace("`", "")), i
            if line.strip() and i + 1 < len(lines) and _SETEXT.match(lines[i + 1]):
                return clean_title(line), i
    for i, line in enumerate(lines):
        if line.strip():
            return clean_title(line.lstrip("#").strip()), i
    return "", 0


_BLOCK_START = re.compile(r"^\s*([-*+•]\s|\d+[.)]\s|>|\||```|#{1,6}\s)")


def _paragraphs(lines: list[str]) -> str:
    """Hard-wrapped lines of a paragraph joined (sentences split at line breaks otherwise); list items, quotes,
    table rows and headings keep their own lines."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            out.append("")
        elif out and out[-1] and not _BLOCK_START.match(line) and not _BLOCK_START.match(out[-1]):
            out[-1] += " " + stripped
        else:
            out.append(stripped)
    return "\n".join(p for p in out if p).strip()


def parse(path: Path) -> ParsedDocument:
    """One entry for the note; its text is the file without front matter or heading markers."""
    text = read_text(path)
    markdown = path.suffix.lower() in (".md", ".markdown")
    front = _FRONT_MATTER.match(text) if markdown else None
    meta: dict[str, str] = {}
    if front:
        for raw in front.group(1).splitlines():
            key, _, value = raw.partition(":")
            meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end() :]
    lines = text.splitlines()
    title, at = _title(lines, markdown)
    title = clean_title(meta.get("title", "")) or title
    if not title or not re.search(r"[^\W\d_]", title):
        raise DocumentError(path.name, "no title and no text found (only blank lines or symbols)")
    authors = split_authors(meta.get("author", meta.get("authors", "")).strip("[]"))
    body = [ln for i, ln in enumerate(lines) if i != at and not _SETEXT.match(ln)]
    for i, line in enumerate(body[:6]):
        m = _AUTHOR_LINE.match(line)
        if not authors and m and split_authors(m.group(1).replace("*", "")):
            authors = split_authors(m.group(1).replace("*", ""))
            del body[i]
            break
    cleaned = re.sub(r"^#{1,6}\s+", "", _paragraphs(body), flags=re.M)
    year = int(meta["year"]) if meta.get("year", "").isdigit() else None
    entry = paper_entry(
        title=title[:_MAX_TITLE_CHARS],
        text=f"{title}\n{cleaned}" if cleaned else title,
        file=path.name,
        line=at + 1,
        authors=authors,
        year=year,
    )
    return ParsedDocument(FORMAT_MARKDOWN if markdown else FORMAT_TEXT, [entry], pages=None)
