"""Read a seed file, decide its format from its content (never its name), and parse it into entries."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from index.parsers import daily, library, symposium, tutorials
from index.parsers.common import DEFAULT_SEED_LIMITS, ParseResult, SeedError, SeedLimits, SeedWarning, content_lines

__all__ = [
    "FORMATS",
    "ParseResult",
    "SeedError",
    "SeedLimits",
    "SeedWarning",
    "detect_format",
    "parse_seed_file",
    "read_seed_text",
    "stated_count_warning",
]

# name -> (score, parse)
FORMATS: dict[str, tuple[Callable[[str], float], Callable[[str, str], ParseResult]]] = {
    tutorials.FORMAT: (tutorials.score, tutorials.parse),
    library.FORMAT: (library.score, library.parse),
    daily.FORMAT: (daily.score, daily.parse),
    symposium.FORMAT: (symposium.score, symposium.parse),
}
_MIN_SCORE = 2.0
# A header line stating how many entries the file holds ("212 papers in library").
_STATED_COUNT = re.compile(r"^(\d[\d,]*)\s+(papers?|talks?|tutorials?|entries|items)\b", re.I)
_HEADER_LINES = 8


def read_seed_text(path: Path, max_bytes: int = SeedLimits.max_bytes) -> str:
    """The file's text; SeedError naming file and line if it is too large, empty, binary or not UTF-8."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise SeedError(
            name, 1, f"file is {size:,} bytes, over the limit of {max_bytes:,} (ASSISTANT_INDEX__MAX_SEED_BYTES)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise SeedError(name, 1, "file is empty")
    if b"\x00" in data:
        raise SeedError(name, data[: data.index(b"\x00")].count(b"\n") + 1, "file is binary (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SeedError(name, line, f"file is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def detect_format(text: str, file: str) -> str:
    """The best-scoring known format, or SeedError if none looks plausible."""
    scores = {name: score(text) for name, (score, _) in FORMATS.items()}
    best = max(scores, key=lambda n: scores[n])
    if scores[best] < _MIN_SCORE:
        raise SeedError(
            file,
            1,
            "unknown seed format (expected a tutorial listing, paper library, daily-papers page or symposium agenda)",
        )
    return best


def parse_seed_file(path: Path, limits: SeedLimits = DEFAULT_SEED_LIMITS) -> ParseResult:
    """Parse one seed file. Raises SeedError for unreadable, unrecognisable or over-limit files; warns (loudly)
    when the file states an entry count that the parse does not reach or exceeds."""
    text = read_seed_text(path, limits.max_bytes)
    fmt = detect_format(text, path.name)
    result = FORMATS[fmt][1](text, path.name)
    if not result.entries:
        raise SeedError(path.name, 1, f"no entries found (read as {fmt})")
    if len(result.entries) > limits.max_entries:
        raise SeedError(
            path.name,
            1,
            f"{len(result.entries):,} entries, over the limit of {limits.max_entries:,} per file "
            "(ASSISTANT_INDEX__MAX_ENTRIES_PER_FILE)",
        )
    warning = stated_count_warning(text, path.name, len(result.entries))
    if warning is not None:
        result.warnings.append(warning)
    return result


def stated_count_warning(text: str, file: str, parsed: int) -> SeedWarning | None:
    """A loud warning if a header line states a count ("212 papers in library") other than ``parsed``."""
    for line in content_lines(text)[:_HEADER_LINES]:
        match = _STATED_COUNT.match(line.text)
        if match:
            stated = int(match.group(1).replace(",", ""))
            if stated == parsed:
                return None
            return SeedWarning(
                file,
                line.number,
                f"the file states {stated} {match.group(2).lower()} but {parsed} entries were parsed "
                "(truncated, or entries the parser could not read)",
                loud=True,
            )
    return None
