"""Every repair a build makes is announced in one line the moment it is found, before the work it causes: an
emptied Chroma database, damaged BM25 files, a removed manifest, an embedding interrupted after some chunks were
stored. The line reaches stderr when an Assistant starts (``assistant ask`` and the rest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from index.build import BM25_DIR, MANIFEST, build_index
from index.embed import HashingEmbedder
from index.store import ChromaChunkStore
from tests.helpers import SEEDS, make_settings

TUTORIALS = "000_fd45bc4d7915428a.txt"


class Killed(BaseException):
    """Stands in for Ctrl-C in the middle of embedding."""


@pytest.fixture
def tiny(tmp_path: Path) -> Settings:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / TUTORIALS).write_bytes((SEEDS / TUTORIALS).read_bytes())
    settings = make_settings(tmp_path / "data", seeds)
    build_index(settings.index, HashingEmbedder(), ChromaChunkStore(settings.index), show_progress=False)
    ChromaChunkStore(settings.index, repair=False).close()  # as a new process would find it
    return settings


def _empty_sqlite(s: Settings) -> None:
    (s.index.index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"")


def _damage_bm25(s: Settings) -> None:
    victim = s.index.index_dir / BM25_DIR / "chunk_ids.json"
    victim.write_bytes(victim.read_bytes()[:10])


def _remove_manifest(s: Settings) -> None:
    (s.index.index_dir / MANIFEST).unlink()


def _interrupt_embedding(s: Settings) -> None:
    path = s.index.seeds_dir / TUTORIALS
    path.write_text(path.read_text("utf-8").replace("The tutorial is split in three parts.", "It has 3 parts."))
    original = ChromaChunkStore.add

    def add_then_die(self: ChromaChunkStore, nodes: list) -> None:  # type: ignore[type-arg]
        original(self, nodes)
        raise Killed

    ChromaChunkStore.add = add_then_die  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):
            build_index(s.index, HashingEmbedder(), ChromaChunkStore(s.index), show_progress=False)
    finally:
        ChromaChunkStore.add = original  # type: ignore[method-assign]
    ChromaChunkStore(s.index, repair=False).close()


CASES: dict[str, tuple[Callable[[Settings], None], str]] = {
    "emptied sqlite": (_empty_sqlite, "lacks"),
    "damaged bm25": (_damage_bm25, "BM25"),
    "removed manifest": (_remove_manifest, "manifest missing"),
    "interrupted embedding": (_interrupt_embedding, "interrupted"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_repair_is_announced_once_before_the_work(tiny: Settings, case: str) -> None:
    damage, words = CASES[case]
    damage(tiny)
    store = ChromaChunkStore(tiny.index)
    heard: list[tuple[str, int]] = []
    report = build_index(
        tiny.index, HashingEmbedder(), store, show_progress=False, notify=lambda m: heard.append((m, store.count()))
    )
    matching = [(m, n) for m, n in heard if words in m]
    assert len(matching) == 1, heard
    assert matching[0][0] in report.repairs
    if case == "emptied sqlite":
        assert matching[0][1] == 0 and report.embedded == report.chunks  # said before re-embedding everything


@pytest.mark.parametrize("case", ["emptied sqlite", "removed manifest"])
def test_an_assistant_start_prints_the_repair_on_stderr(
    tiny: Settings, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    CASES[case][0](tiny)
    capsys.readouterr()
    Assistant(tiny, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("index repaired: ")]
    assert len(lines) == 1 and CASES[case][1] in lines[0]


def test_an_intact_index_announces_nothing(tiny: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    Assistant(tiny, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())
    assert "index repaired" not in capsys.readouterr().err
