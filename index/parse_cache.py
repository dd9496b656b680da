"""A cache of parsed seed files, keyed by what a parse depends on, so a build re-parses only the files that changed.

Each cached file is ``<key>.json`` in the cache folder (``index/parse_cache``): the entries and warnings one seed
file parsed into. The key is a sha256 over the file's name and bytes, the seed limits and the parser code, so an
equal key means an equal parse. The cache is derived data and never trusted beyond that: an unreadable or malformed
file is parsed again, files are written atomically (temporary file, then rename), and ``prune`` removes what no
longer matches a seed file. Bad seed files are never cached (their SeedError is raised every time)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from index.entries import ENTRY_LIST
from index.parsers import ParseResult, SeedLimits, SeedWarning, parse_seed_file

CACHE_DIR = "parse_cache"
# Code whose change changes what the same seed file parses into.
PARSER_CODE = ("parsers", "documents/registry.py", "corpus.py", "entries.py", "text.py")


@lru_cache(maxsize=1)
def parser_code_digest() -> str:
    """sha256 over the names and bytes of the parser code (read once per process)."""
    code = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in PARSER_CODE:
        paths = sorted((code / name).rglob("*.py")) if (code / name).is_dir() else [code / name]
        for path in paths:
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class ParseCache:
    """Parsed seed files under ``folder``; ``parse`` answers from it when the key matches, parses otherwise."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def key(self, path: Path, data: bytes, limits: SeedLimits) -> str:
        """The cache key of one seed file's bytes under ``limits`` and the current parser code."""
        digest = hashlib.sha256(f"{path.name}\0{limits!r}\0{parser_code_digest()}\0".encode())
        digest.update(data)
        return digest.hexdigest()[:32]

    def parse(self, path: Path, limits: SeedLimits) -> ParseResult:
        """The parse of ``path``: cached if its key matches, else parsed (SeedError for a bad file) and cached."""
        try:
            data = path.read_bytes()
        except OSError:
            return parse_seed_file(path, limits)  # raises the SeedError (or error) a plain parse would
        key = self.key(path, data, limits)
        self.used.add(key)
        cached = self._read(key, path.name)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        result = parse_seed_file(path, limits)
        self._write(key, result)
        return result

    def prune(self, keep: Iterable[str] | None = None) -> None:
        """Remove cached parses other than ``keep`` (default: the keys used by this cache's parses) and leftover
        temporary files."""
        wanted = set(self.used if keep is None else keep)
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            stale = path.suffix == ".tmp" or (path.suffix == ".json" and path.stem not in wanted)
            if stale and path.is_file():
                path.unlink(missing_ok=True)

    def _read(self, key: str, name: str) -> ParseResult | None:
        path = self.folder / f"{key}.json"
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        try:
            head, entries_json = blob.split(b"\n", 1)
            meta = json.loads(head)
            warnings = [SeedWarning(**w) for w in meta["warnings"]]
            if meta["file"] != name:
                return None
            return ParseResult(meta["file"], meta["format"], ENTRY_LIST.validate_json(entries_json), warnings)
        except (ValueError, KeyError, TypeError, ValidationError):
            return None  # damaged: parsed again and rewritten

    def _write(self, key: str, result: ParseResult) -> None:
        meta = {
            "file": result.file,
            "format": result.format,
            "warnings": [
                {"file": w.file, "line": w.line, "message": w.message, "loud": w.loud} for w in result.warnings
            ],
        }
        blob = json.dumps(meta, ensure_ascii=False).encode() + b"\n" + ENTRY_LIST.dump_json(result.entries)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_bytes(blob)
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written only costs the next build a parse
