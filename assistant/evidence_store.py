"""The evidence sentence vectors on disk: a base file plus small appended segments, so that saving the vectors of
one new entry writes that entry's rows instead of rewriting every vector of the corpus (200 MB at 100×).

Each file is an ``.npz`` of ``keys`` (one per entry: ``id@content-hash``), ``offsets`` and ``vectors`` (float32
rows, entry ``n`` owning rows ``offsets[n]:offsets[n+1]``). ``sentence_vectors.npz`` is the base; segments are
``sentence_vectors.<time>-<pid>.npz`` beside it, read in name order. Every file is written to a temporary name and
renamed, so a reader sees a file whole or not at all. When the segments grow many (64) or large (a quarter of the
base's bytes) the whole set is compacted into a new base (written and renamed first, then the segments removed:
after a crash between the two, a segment's rows are read again, which is harmless because keys are content
hashes). The vectors are derived data: an unreadable file is
skipped and its entries are embedded again on demand."""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

MAX_SEGMENTS = 64
# Segments are folded into the base once they hold this share of its bytes (so each row is rewritten a bounded
# number of times, however large the base grows).
MAX_SEGMENT_SHARE = 0.25


class VectorFiles:
    """The base file at ``path`` and its segments: ``load`` reads them all, ``add`` saves new rows, ``append`` the
    rows of a cache not saved yet."""

    def __init__(self, path: Path, max_segments: int = MAX_SEGMENTS) -> None:
        self.path = Path(path)
        self.max_segments = max_segments
        self.saved: set[str] = set()

    def segments(self) -> list[Path]:
        """The segment files, oldest first."""
        if not self.path.parent.is_dir():
            return []
        prefix = f"{self.path.stem}."
        return sorted(p for p in self.path.parent.glob(f"{prefix}*.npz") if p.name != self.path.name)

    def exists(self) -> bool:
        """Whether any vectors are on disk."""
        return self.path.exists() or bool(self.segments())

    def load(self) -> dict[str, np.ndarray]:
        """Every saved entry's rows (files that cannot be read are skipped)."""
        out: dict[str, np.ndarray] = {}
        for arrays in self._each("keys", "offsets", "vectors"):
            keys, offsets, vectors = arrays
            for n, key in enumerate(keys):
                out[str(key)] = vectors[offsets[n] : offsets[n + 1]]
        self.saved = set(out)
        return out

    def saved_keys(self) -> set[str]:
        """The keys of every saved entry, reading only the files' key arrays (not their vectors)."""
        self.saved = {str(k) for (keys,) in self._each("keys") for k in keys}
        return self.saved

    def _each(self, *names: str) -> Iterator[tuple[np.ndarray, ...]]:
        """The named arrays of the base and of every segment, oldest first; a file that cannot be read (missing,
        truncated, not an .npz, lacking an array) is skipped: the vectors are derived data, embedded again."""
        for path in [self.path, *self.segments()]:
            try:
                with np.load(path, allow_pickle=False) as data:
                    arrays = tuple(data[name] for name in names)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                continue
            yield arrays

    def append(self, cache: Mapping[str, np.ndarray]) -> None:
        """Persist the entries of ``cache`` not saved yet (``add``)."""
        self.add({k: v for k, v in cache.items() if k not in self.saved})

    def _compaction_due(self, segments: list[Path]) -> bool:
        if len(segments) >= self.max_segments:
            return True
        return sum(_bytes(p) for p in segments) > MAX_SEGMENT_SHARE * _bytes(self.path)

    def add(self, rows: Mapping[str, np.ndarray]) -> None:
        """Persist ``rows`` as one new segment or, with no base yet or ``max_segments`` segments already, as a new
        base holding everything saved plus ``rows`` (the segments are then removed)."""
        if not rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        segments = self.segments()
        if not self.path.exists() or self._compaction_due(segments):
            everything = {**self.load(), **rows}
            _write(self.path, list(everything), everything)
            for segment in segments:
                segment.unlink(missing_ok=True)
            self.saved = set(everything)
            return
        _write(self.path.with_name(f"{self.path.stem}.{time.time_ns():020d}-{os.getpid()}.npz"), list(rows), rows)
        self.saved.update(rows)


def _bytes(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _write(path: Path, keys: list[str], cache: Mapping[str, np.ndarray]) -> None:
    blocks = [cache[k] for k in keys]
    offsets = np.cumsum([0, *[len(b) for b in blocks]])
    vectors = np.concatenate(blocks).astype(np.float32) if blocks else np.zeros((0, 0), np.float32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        np.savez(fh, keys=np.array(keys), offsets=offsets, vectors=vectors)
    os.replace(tmp, path)
