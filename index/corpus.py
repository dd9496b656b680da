"""The whole corpus: every seed file parsed, duplicates (within and across files) merged into one entry each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.entries import Entry, normalize_title
from index.parsers import ParseResult, SeedError, SeedLimits, SeedWarning, parse_seed_file
from index.parsers.common import DEFAULT_SEED_LIMITS

if TYPE_CHECKING:
    from index.parse_cache import ParseCache

_MERGEABLE = (
    "speaker",
    "affiliation",
    "day",
    "date",
    "time",
    "event",
    "location",
    "authors_count",
    "page_date",
    "year",
    "venue",
)


@dataclass
class Corpus:
    """Merged entries plus what was read from each file and what went wrong."""

    entries: list[Entry]
    files: list[ParseResult] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)
    errors: list[SeedError] = field(default_factory=list)

    def stats(self) -> dict[str, object]:
        """Counts per kind and per source file (an entry counts once per file it appears in)."""
        per_file: Counter[str] = Counter()
        for e in self.entries:
            for f in {s.file for s in e.sources}:
                per_file[f] += 1
        return {
            "entries": len(self.entries),
            "per_kind": dict(sorted(Counter(e.kind for e in self.entries).items())),
            "per_file": dict(sorted(per_file.items())),
            "raw_per_file": {r.file: len(r.entries) for r in self.files},
            "formats": {r.file: r.format for r in self.files},
        }

    def by_id(self) -> dict[str, Entry]:
        """Entries keyed by id."""
        return {e.id: e for e in self.entries}


def seed_files(seeds_dir: Path) -> list[Path]:
    """The seed files of a folder, in name order; SeedError if there are none."""
    if not seeds_dir.is_dir():
        raise SeedError(str(seeds_dir), 0, "seeds folder does not exist")
    files = sorted(p for p in seeds_dir.iterdir() if p.is_file() and p.suffix == ".txt")
    if not files:
        raise SeedError(str(seeds_dir), 0, "no .txt seed files found")
    return files


def merge_entries(entries: list[Entry]) -> list[Entry]:
    """One entry per (kind, normalised title): the longest text wins, all sources and metadata are kept."""
    merged: dict[tuple[str, str], Entry] = {}
    copied: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry.kind, normalize_title(entry.title))
        if key not in merged:
            merged[key] = entry
            continue
        if key not in copied:  # copied only when merged into, so the entries passed in are never changed
            merged[key] = merged[key].model_copy(deep=True)
            copied.add(key)
        kept = merged[key]
        if len(entry.text) > len(kept.text):
            # Page offsets (and the file they count in) belong to the text they index.
            kept.text, kept.page_starts, kept.document = entry.text, list(entry.page_starts), entry.document
        for ref in entry.sources:
            if ref not in kept.sources:
                kept.sources.append(ref)
        for name in _MERGEABLE:
            if getattr(kept, name) is None and getattr(entry, name) is not None:
                setattr(kept, name, getattr(entry, name))
        if not kept.presenters and entry.presenters:
            kept.presenters = list(entry.presenters)
        if not kept.authors and entry.authors:
            kept.authors = list(entry.authors)
    return list(merged.values())


def load_corpus(
    seeds_dir: Path,
    *,
    strict: bool = True,
    limits: SeedLimits = DEFAULT_SEED_LIMITS,
    documents_dir: Path | None = None,
    cache: ParseCache | None = None,
) -> Corpus:
    """Parse every seed file (within ``limits``), add the entries of the documents registered in ``documents_dir``
    (parsed when they were added) and merge duplicates. With strict, the first bad file (or a damaged document
    registry) raises SeedError; otherwise bad files are recorded in `errors` and skipped. With a ``cache``, files
    whose bytes it has parsed before are not parsed again."""
    results: list[ParseResult] = []
    errors: list[SeedError] = []
    for path in seed_files(seeds_dir):
        try:
            results.append(cache.parse(path, limits) if cache is not None else parse_seed_file(path, limits))
        except SeedError as exc:
            if strict:
                raise
            errors.append(exc)
    if documents_dir is not None:
        results += _documents(documents_dir, strict, errors)
    raw = [e for r in results for e in r.entries]
    return Corpus(
        entries=merge_entries(raw),
        files=results,
        warnings=[w for r in results for w in r.warnings],
        errors=errors,
    )


def _documents(folder: Path, strict: bool, errors: list[SeedError]) -> list[ParseResult]:
    """One ParseResult per added document, from the registry (SeedError for a damaged registry when strict)."""
    from index.documents.registry import REGISTRY, Registry, RegistryError

    try:
        registry = Registry.open(folder)
    except RegistryError as exc:
        error = SeedError(str(folder / REGISTRY), 0, str(exc))
        if strict:
            raise error from None
        errors.append(error)
        return []
    return [
        ParseResult(file=r.stored_name, format=r.format, entries=[Entry.model_validate(e) for e in r.entries])
        for r in registry.records
    ]
