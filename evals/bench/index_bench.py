"""Index benchmark: cold build time, no-op re-index time, chunks, entries, peak RSS.

Targets on a 2-core machine: cold build <= 30 s, no-op <= 3 s. Each phase runs in a fresh process (as a user
would run `assistant index`), into a temporary data folder."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
import index
from index.build import build_index
from index.embed import SentenceTransformerEmbedder
from index.settings import IndexSettings
from index.store import ChromaChunkStore
from assistant.settings import Settings
s = IndexSettings(data_dir=Path(sys.argv[1]), seeds_dir=Path(sys.argv[2]), embed_dtype=Settings().index.embed_dtype)
r = build_index(s, SentenceTransformerEmbedder.from_settings(s), ChromaChunkStore(s), show_progress=False)
print(json.dumps({"wall_s": time.perf_counter() - t0, "build_s": r.seconds, "entries": r.entries, "chunks": r.chunks,
                  "embedded": r.embedded, "noop": r.noop,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_phase(data_dir: Path, seeds: Path) -> dict[str, float]:
    """One `build_index` in a fresh interpreter; returns its figures."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), str(seeds)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print cold and no-op build figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="seeds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cold = run_phase(Path(tmp), Path(args.seeds))
        noop = run_phase(Path(tmp), Path(args.seeds))
    print(f"entries:             {cold['entries']}")
    print(f"chunks:              {cold['chunks']}")
    print(f"cold build:          {cold['wall_s']:.1f} s wall (process incl. imports), {cold['build_s']:.1f} s in build")
    print(
        f"no-op re-index:      {noop['wall_s']:.2f} s wall (process incl. imports), {noop['build_s']:.2f} s in build,"
        f" embedded {noop['embedded']}"
    )
    print(f"peak RSS (cold):     {cold['peak_rss_mb']:.0f} MB")
    print(f"peak RSS (no-op):    {noop['peak_rss_mb']:.0f} MB")
    print(f"bench process RSS:   {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(
        f"targets: cold <= 30 s {'OK' if cold['wall_s'] <= 30 else 'MISSED'}; "
        f"no-op <= 3 s {'OK' if noop['wall_s'] <= 3 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
