"""Fault injection for the index: builds killed at each stage, damaged store, manifest and BM25 files. After the next
run the store holds exactly the manifest's chunks, no temporary file is left, and retrieval answers. Real MiniLM
and real Chroma, on one small seed file (10 tutorials, 15 chunks)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from llama_index.core.schema import TextNode

import index.build
import index.manifest
from assistant.api import Assistant
from assistant.cli import main
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from index.build import BuildReport, build_index
from index.embed import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from index.manifest import BM25_DIR, MANIFEST, chunk_ids, leftover_temp_paths, read_manifest
from index.store import ChromaChunkStore
from tests.helpers import REPO, SEEDS, make_settings

pytestmark = pytest.mark.faults

TUTORIALS = "000_fd45bc4d7915428a.txt"
EDITED = {
    "Modern foundation models are powerful": "Zanzibar foundation models are powerful",
    "AI agents can now write mathematics": "Quokka agents can now write mathematics",
}
QUERY = "diagrammatic backpropagation categorical deep learning"


class Killed(BaseException):
    """Stands in for SIGKILL / Ctrl-C at one point of a build (a BaseException, like KeyboardInterrupt)."""


@pytest.fixture
def tiny(tmp_path: Path) -> Settings:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / TUTORIALS).write_bytes((SEEDS / TUTORIALS).read_bytes())
    return make_settings(tmp_path / "data", seeds)


def build(settings: Settings, embedder: Embedder, **options: bool) -> BuildReport:
    return build_index(settings.index, embedder, ChromaChunkStore(settings.index), show_progress=False, **options)


def edit_seeds(settings: Settings) -> None:
    """Change two entries' texts: their chunks get new ids, the old ones become stale."""
    path = settings.index.seeds_dir / TUTORIALS
    text = path.read_text()
    for old, new in EDITED.items():
        text = text.replace(old, new)
    path.write_text(text)


def fresh_process(settings: Settings) -> None:
    """Forget chromadb's process-wide client for this folder, as a new process would start without it."""
    ChromaChunkStore(settings.index, repair=False).close()


def assert_consistent(settings: Settings, embedder: Embedder) -> None:
    """Store == manifest, no leftovers, and both retrievers find the tutorial."""
    fresh_process(settings)
    index_dir = settings.index.index_dir
    manifest = read_manifest(index_dir)
    assert manifest is not None
    assert ChromaChunkStore(settings.index).ids() == chunk_ids(manifest)
    assert leftover_temp_paths(index_dir) == []
    a = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=embedder, sync_index=False)
    for mode in ("dense", "bm25"):
        hits = a.retrieve(QUERY, k=3, mode=mode)
        assert hits and hits[0].title.startswith("Unifying Attention and Diffusion"), mode


def test_orphans_from_a_killed_build_are_removed_even_when_the_seeds_go_back(
    tiny: Settings, minilm: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tiny, minilm)
    published = chunk_ids(read_manifest(tiny.index.index_dir))  # type: ignore[arg-type]
    original = (tiny.index.seeds_dir / TUTORIALS).read_bytes()
    edit_seeds(tiny)

    def killed_while_writing_bm25(chunks: object, made: object, index_dir: Path) -> None:
        (index_dir / f".{BM25_DIR}.build.tmp").mkdir()
        (index_dir / f".{BM25_DIR}.build.tmp" / "corpus.jsonl").write_text("{half")
        raise Killed

    monkeypatch.setattr(index.build, "_publish_bm25", killed_while_writing_bm25)
    with pytest.raises(Killed):
        build(tiny, minilm)
    monkeypatch.undo()
    fresh_process(tiny)
    assert len(ChromaChunkStore(tiny.index).ids() - published) >= 1  # the new chunks are in, unpublished
    (tiny.index.seeds_dir / TUTORIALS).write_bytes(original)  # the user undoes the edit

    report = build(tiny, minilm)
    assert not report.noop and report.embedded == 0 and report.deleted >= 1
    assert any("no published index named" in r for r in report.repairs)
    assert any("temporary" in r for r in report.repairs)
    assert_consistent(tiny, minilm)


def _kill_in_store_add(monkeypatch: pytest.MonkeyPatch) -> None:
    def add(self: ChromaChunkStore, nodes: list[TextNode]) -> None:
        raise Killed  # the chunks were embedded, nothing was stored

    monkeypatch.setattr(ChromaChunkStore, "add", add)


def _kill_in_manifest_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def write_atomic(path: Path, text: str) -> None:
        path.with_name(f".{path.name}.{os.getpid()}.tmp").write_text(text[:100])
        raise Killed  # chunks and BM25 are in, the new manifest is half written to its temp file

    monkeypatch.setattr(index.manifest, "write_atomic", write_atomic)


def _kill_before_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    def delete(self: ChromaChunkStore, ids: list[str]) -> None:
        raise Killed  # the manifest is published, the stale chunks are still there

    monkeypatch.setattr(ChromaChunkStore, "delete", delete)


def _kill_during_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ChromaChunkStore.delete

    def delete(self: ChromaChunkStore, ids: list[str]) -> None:
        real(self, ids[:1])
        raise Killed

    monkeypatch.setattr(ChromaChunkStore, "delete", delete)


@pytest.mark.parametrize(
    "kill",
    [_kill_in_store_add, _kill_in_manifest_write, _kill_before_delete, _kill_during_delete],
    ids=["after-embed", "after-upsert", "after-manifest-publish", "during-delete"],
)
def test_build_killed_at_a_stage_is_completed_by_the_next_run(
    tiny: Settings, minilm: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch, kill: object
) -> None:
    build(tiny, minilm)
    edit_seeds(tiny)
    kill(monkeypatch)  # type: ignore[operator]
    with pytest.raises(Killed):
        build(tiny, minilm)
    monkeypatch.undo()
    fresh_process(tiny)
    report = build(tiny, minilm)
    assert not report.noop
    assert_consistent(tiny, minilm)
    assert build(tiny, minilm).noop  # and then it is up to date


def test_an_extra_chunk_in_the_store_is_not_up_to_date(tiny: Settings, minilm: SentenceTransformerEmbedder) -> None:
    build(tiny, minilm)
    stray = TextNode(id_="stray#0:000000000000", text="stray", embedding=minilm.embed(["stray"])[0])
    ChromaChunkStore(tiny.index).add([stray])
    report = build(tiny, minilm)
    assert not report.noop and report.deleted == 1 and report.embedded == 0
    assert_consistent(tiny, minilm)


def _truncate_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(0).randbytes(max(path.stat().st_size, 4096)))


@pytest.mark.parametrize("damage", [_truncate_half, _garbage], ids=["truncated", "garbage"])
def test_damaged_sqlite_is_rebuilt_by_the_next_assistant(
    tiny: Settings, minilm: SentenceTransformerEmbedder, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    build(tiny, minilm)
    fresh_process(tiny)
    damage(tiny.index.index_dir / "chroma" / "chroma.sqlite3")  # type: ignore[operator]
    a = Assistant(tiny, chat_model=ScriptedChatModel(["x"]), embedder=minilm)
    assert a.build_report is not None and a.build_report.embedded == a.build_report.chunks
    assert any("damaged" in r for r in a.build_report.repairs)
    assert len([r for r in caplog.records if "index store damaged" in r.getMessage()]) == 1  # one line
    assert a.retrieve(QUERY, k=1, mode="dense")
    assert_consistent(tiny, minilm)


# data_level0.bin damage used to crash the process (a segfault in Chroma's reader); length.bin damage silently
# returned wrong neighbours.
@pytest.mark.parametrize("part", ["data_level0.bin", "length.bin"])
def test_damaged_hnsw_segment_is_rebuilt(tiny: Settings, minilm: SentenceTransformerEmbedder, part: str) -> None:
    build(tiny, minilm)
    # Chroma keeps small collections in its log and writes an authoritative HNSW segment only past ~1000 vectors,
    # so enough stray vectors are added to make one (they are orphans, and go with the rebuild).
    rng = random.Random(1)
    store = ChromaChunkStore(tiny.index)
    store.add([TextNode(id_=f"pad{i}", text="pad", embedding=[rng.random() for _ in range(384)]) for i in range(1000)])
    assert (
        (next(p for p in (tiny.index.index_dir / "chroma").iterdir() if p.is_dir()) / "link_lists.bin").stat().st_size
    )
    fresh_process(tiny)
    segment = next(p for p in (tiny.index.index_dir / "chroma").iterdir() if p.is_dir())
    _garbage(segment / part)
    a = Assistant(tiny, chat_model=ScriptedChatModel(["x"]), embedder=minilm)
    assert a.build_report is not None and any("damaged" in r for r in a.build_report.repairs)
    assert_consistent(tiny, minilm)


@pytest.mark.parametrize("content", [b"{not json", b'{"format": 1, "chunks": []}'], ids=["invalid", "shape"])
def test_damaged_manifest_is_rebuilt(tiny: Settings, minilm: SentenceTransformerEmbedder, content: bytes) -> None:
    build(tiny, minilm)
    (tiny.index.index_dir / MANIFEST).write_bytes(content)
    a = Assistant(tiny, chat_model=ScriptedChatModel(["x"]), embedder=minilm)
    assert a.build_report is not None and a.build_report.embedded == 0  # the stored chunks were reused
    assert any("manifest damaged" in r for r in a.build_report.repairs)
    assert_consistent(tiny, minilm)


@pytest.mark.parametrize("victim", ["chunk_ids.json", "data.csc.index.npy", "tokens.npz"])
def test_damaged_bm25_files_are_rewritten(tiny: Settings, minilm: SentenceTransformerEmbedder, victim: str) -> None:
    build(tiny, minilm)
    _truncate_half(tiny.index.index_dir / BM25_DIR / victim)
    a = Assistant(tiny, chat_model=ScriptedChatModel(["x"]), embedder=minilm)
    assert a.build_report is not None and any("BM25" in r for r in a.build_report.repairs)
    assert a.retrieve(QUERY, k=1, mode="bm25")[0].title.startswith("Unifying Attention")
    assert_consistent(tiny, minilm)


def test_cli_index_rebuild_starts_over(
    tiny: Settings, minilm: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr("index.embed.SentenceTransformerEmbedder.from_settings", lambda *args, **kwargs: minilm)
    args = ["index", "--quiet", "--data-dir", str(tiny.index.data_dir), "--seeds", str(tiny.index.seeds_dir)]
    assert main(args) == 0
    assert main([*args, "--rebuild"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("indexed 10 entries as 15 chunks: 15 embedded") and "rebuilt" in out[-1]
    assert_consistent(tiny, minilm)


def test_leftover_temp_files_are_removed_on_an_up_to_date_run(
    tiny: Settings, minilm: SentenceTransformerEmbedder
) -> None:
    build(tiny, minilm)
    index_dir = tiny.index.index_dir
    (index_dir / f".{MANIFEST}.{os.getpid() + 1}.tmp").write_text("{")
    (index_dir / f".{BM25_DIR}.old").mkdir()
    report = build(tiny, minilm)
    assert report.noop and any("temporary" in r for r in report.repairs)
    assert leftover_temp_paths(index_dir) == []


@pytest.mark.parametrize("manifest_lost", [False, True], ids=["manifest-kept", "manifest-lost"])
def test_index_of_another_embedder_is_replaced(
    tiny: Settings, minilm: SentenceTransformerEmbedder, manifest_lost: bool
) -> None:
    build(tiny, HashingEmbedder())  # 256-dimensional vectors
    if manifest_lost:
        (tiny.index.index_dir / MANIFEST).unlink()
    report = build(tiny, minilm)  # 384-dimensional
    assert report.embedded == report.chunks == 15
    assert any("embedder changed" in r or "another size" in r for r in report.repairs)
    assert_consistent(tiny, minilm)


_KILLED_CHILD = """
import os, signal, sys
from pathlib import Path
from index.build import build_index
from index.embed import HashingEmbedder
from index.settings import IndexSettings
from index.store import ChromaChunkStore
settings = IndexSettings(data_dir=Path(sys.argv[1]), seeds_dir=Path(sys.argv[2]))
# SIGKILL at the manifest's first rename (its payload's) leaves chunks and BM25 in, the manifest half done. Other
# renames (the parse cache's) go through.
real_replace = os.replace
def replace(src, dst, *args, **kwargs):
    if Path(src).name.startswith(".manifest.json."):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)
os.replace = replace
build_index(settings, HashingEmbedder(), ChromaChunkStore(settings), show_progress=False)
"""


def test_sigkill_mid_build_in_another_process_is_completed_by_the_next_run(tiny: Settings) -> None:
    embedder = HashingEmbedder()
    build(tiny, embedder)
    edit_seeds(tiny)
    fresh_process(tiny)
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_CHILD, str(tiny.index.data_dir), str(tiny.index.seeds_dir)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    assert any(p.name.startswith(f".{MANIFEST}.") for p in leftover_temp_paths(tiny.index.index_dir))
    report = build(tiny, embedder)
    assert not report.noop and report.embedded == 0  # the killed build's chunks are reused
    assert_consistent(tiny, embedder)
