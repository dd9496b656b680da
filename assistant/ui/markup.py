"""The Markdown people type in chat and the corpus carries (bold, italics, inline code), rendered on text that is
already HTML-escaped: only these three become tags, so nothing in the text can become a link or a script."""

from __future__ import annotations

import re

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])|(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")


def inline_markdown(escaped: str) -> str:
    """``escaped`` (HTML-escaped text) with ``**bold**``, ``*italic*`` and backquoted code as tags; text inside code
    is left as it is."""
    pieces = _CODE.split(escaped)  # odd indexes: code
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(f"<code>{piece}</code>")
            continue
        piece = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", piece)
        piece = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", piece)
        out.append(piece)
    return "".join(out)
