"""Read a seed file, decide its format from its content (never its name), and parse it into entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.parsers import daily, library, symposium, tutorials
from index.parsers.common import ParseResult, SeedError, SeedWarning

__all__ = ["FORMATS", "ParseResult", "SeedError", "SeedWarning", "detect_format", "parse_seed_file", "read_seed_text"]

# name -> (score, parse)
FORMATS: dict[str, tuple[Callable[[str], float], Callable[[str, str], ParseResult]]] = {
    tutorials.FORMAT: (tutorials.score, tutorials.parse),
    library.FORMAT: (library.score, library.parse),
    daily.FORMAT: (daily.score, daily.parse),
    symposium.FORMAT: (symposium.score, symposium.parse),
}
_MIN_SCORE = 2.0


def read_seed_text(path: Path) -> str:
    """The file's text; SeedError naming file and line if it is empty, binary or not UTF-8."""
    data = path.read_bytes()
    name = path.name
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


def parse_seed_file(path: Path) -> ParseResult:
    """Parse one seed file. Raises SeedError for unreadable or unrecognisable files."""
    text = read_seed_text(path)
    fmt = detect_format(text, path.name)
    result = FORMATS[fmt][1](text, path.name)
    if not result.entries:
        raise SeedError(path.name, 1, f"no entries found (read as {fmt})")
    return result
