"""Citation markers (``[1]``, ``[1, 2]``, ``[3-5]``) as the evaluation reads them: one pattern for every evals module
(kept apart from the product's own in ``index.text`` on purpose: the evaluation must not share its blind spots)."""

from __future__ import annotations

import re

__all__ = ["MARKER_RE", "strip_markers"]

MARKER_RE = re.compile(r"\[\s*\d+(?:\s*[,;-]\s*\d+)*\s*\]")
"""One citation marker."""
_MARKER_RUN_RE = re.compile(rf"\s*(?:{MARKER_RE.pattern})+")


def strip_markers(text: str) -> str:
    """The text without its citation markers and the spaces before them, whitespace collapsed
    (``"... Mathlib [1][2]."`` -> ``"... Mathlib."``), as judged."""
    return " ".join(_MARKER_RUN_RE.sub("", text).split())
