"""A strict little BibTeX reader for checking exports."""

from __future__ import annotations

import re


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """A strict little BibTeX reader: @type{key, name = {value}, ...}; raises on unbalanced braces."""
    records = []
    for m in re.finditer(r"@(\w+)\{([^,\s]+),", text):
        i, depth, fields = m.end(), 1, {"ENTRYTYPE": m.group(1), "ID": m.group(2)}
        body_start = i
        while depth:
            if i >= len(text):
                raise ValueError("unbalanced braces")
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[body_start : i - 1]
        for f in re.finditer(r"(\w+)\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\}", body):
            fields[f.group(1).lower()] = f.group(2)
        records.append(fields)
    return records
