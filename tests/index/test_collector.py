"""The cyclic garbage collector is paused for bulk work and always comes back as it was: after nested blocks,
blocks in other threads, an exception, or when it was off to begin with. Builds and index loads run paused."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.retrieve import IndexedCorpus
from index.build import build_index
from index.collector import collector_paused
from index.embed import HashingEmbedder
from index.store import ChromaChunkStore
from tests.helpers import REPO, SEEDS, make_settings


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_back_on_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_blocks_resume_only_when_the_outermost_ends() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_still_resumes_it() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_blocks_in_two_threads_resume_once_both_end() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread's block is still running
    release.set()
    thread.join(5)
    assert gc.isenabled()


class _Watching(HashingEmbedder):
    """Hashing vectors, noting whether the collector was on at each call."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_on: list[bool] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.collector_on.append(gc.isenabled())
        return super().embed(texts)


def test_a_build_and_an_index_load_run_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copyfile(SEEDS / "002_5ebcb6642b623e7b.txt", seeds / "002_5ebcb6642b623e7b.txt")
    settings = make_settings(tmp_path / "data", seeds).index
    embedder, store = _Watching(), ChromaChunkStore(settings)
    assert build_index(settings, embedder, store, show_progress=False).embedded > 0
    assert embedder.collector_on and not any(embedder.collector_on)
    assert gc.isenabled()

    loaded: list[bool] = []
    original = IndexedCorpus._load_bm25

    def watched(self: IndexedCorpus):  # type: ignore[no-untyped-def]
        loaded.append(gc.isenabled())
        return original(self)

    monkeypatch.setattr(IndexedCorpus, "_load_bm25", watched)
    corpus = IndexedCorpus(settings.index_dir, store, embedder)
    assert corpus.entries and loaded == [False] and gc.isenabled()


def _freeze_counts_at_exit(body: str) -> tuple[int, int]:
    """Run ``body`` in a fresh interpreter; the collector's permanent generation before the body ends and in the
    last ``atexit`` handler (registered first, so it runs after every other)."""
    script = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('at-exit', gc.get_freeze_count()))\n"
        f"{body}\n"
        "print('before', gc.get_freeze_count())\n"
    )
    repo = REPO
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=repo, timeout=120)
    assert done.returncode == 0, done.stderr
    counts = dict(line.split() for line in done.stdout.splitlines() if line.startswith(("before", "at-exit")))
    return int(counts["before"]), int(counts["at-exit"])


def test_the_last_collection_at_exit_is_skipped_once_asked() -> None:
    body = "from index.collector import skip_collection_at_exit\nskip_collection_at_exit()\nskip_collection_at_exit()"
    before, at_exit = _freeze_counts_at_exit(body + "\nkept = [[i] for i in range(5000)]")
    assert before == 0 and at_exit >= 5000  # every live object moved out of the collector's reach, at exit only
    assert _freeze_counts_at_exit("kept = [[i] for i in range(5000)]")[1] == 0  # not asked: untouched


def test_a_command_asks_for_it() -> None:
    body = f"from assistant.cli import main\nassert main(['entries', '--stats', '--seeds', {str(SEEDS)!r}]) == 0"
    before, at_exit = _freeze_counts_at_exit(body)
    assert before == 0 and at_exit > 0
