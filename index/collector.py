"""Python's cyclic garbage collector paused around bulk loads and builds.

Loading or building a large index makes millions of small objects (entry models, chunk dicts, linker tables) that
hold no reference cycles. Every collection pass the allocations trigger rescans all the objects made so far, so the
passes grow with the corpus: at 100 times the seed corpus they were about 40 % of loading the index in
``Assistant()`` and a quarter of adding one entry. Reference counting still frees everything as usual while the
collector is paused; only cyclic garbage waits for the collector to run again.

For the same reason a command skips the collector's last pass as the interpreter exits (``skip_collection_at_exit``):
that pass walks every object still alive, 0.5-0.9 s after adding one entry at 100 times, for memory the operating
system takes back at once."""

from __future__ import annotations

import atexit
import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_resume = False
_skip_registered = False


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


def skip_collection_at_exit() -> None:
    """At interpreter exit, after the ``atexit`` handlers registered before this call, move every live object into
    the collector's permanent generation (``gc.freeze``), so the final collection does not walk them. Objects are
    still torn down as the interpreter tears them down; only unreachable cycles alive at exit stay uncollected, as
    any object alive at exit may. Safe to call more than once (registered once)."""
    global _skip_registered
    with _lock:
        if not _skip_registered:
            atexit.register(gc.freeze)
            _skip_registered = True
