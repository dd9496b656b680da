"""Python's cyclic garbage collector paused around bulk loads and builds.

Loading or building a large index makes millions of small objects (entry models, chunk dicts, linker tables) that
hold no reference cycles. Every collection pass the allocations trigger rescans all the objects made so far, so the
passes grow with the corpus: at 100 times the seed corpus they were about 40 % of loading the index in
``Assistant()`` and a quarter of adding one entry. Reference counting still frees everything as usual while the
collector is paused; only cyclic garbage waits for the collector to run again."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_resume = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is turned back on when the outermost paused block ends (and
    only if it was on before), so blocks may nest and run in several threads at once."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
