"""Index build: idempotency, incremental edits and removals, bad input leaving the index untouched, interrupted
builds, chunk sizes within the embedder's limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from index.build import MANIFEST, build_index, read_manifest
from index.chunk import embed_text
from index.corpus import load_corpus
from index.embed import HashingEmbedder
from index.parsers import SeedError
from index.store import ChromaChunkStore
from tests.helpers import REPO, make_settings

DAILY_A = "002_5ebcb6642b623e7b.txt"
LIBRARY = "001_0afc165511f16759.txt"


class FailingEmbedder(HashingEmbedder):
    """Raises after embedding a number of texts (simulates a crash mid-build)."""

    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.fail_after = fail_after

    def embed(self, texts):
        if self.texts_embedded + len(texts) > self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        return super().embed(texts)


def build(settings, embedder=None):
    embedder = embedder or HashingEmbedder()
    report = build_index(settings.index, embedder, ChromaChunkStore(settings.index), show_progress=False)
    return report, embedder


def test_second_build_embeds_nothing(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    first, _ = build(settings)
    second, embedder = build(settings)
    assert first.embedded == first.chunks > 400 and first.entries == 276
    assert second.noop and second.chunks == first.chunks and embedder.texts_embedded == 0
    assert ChromaChunkStore(settings.index).count() == first.chunks


def test_edited_entry_is_replaced_and_removed_entry_deleted(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    build(settings)
    path = seeds_copy / DAILY_A
    text = path.read_text()
    old = "Continual learning (CL) refers to the ability"
    text = text.replace(old, "Zanzibar flamingo continual learning refers to the ability")
    # remove "Kernel Density Estimators in Large Dimensions" (title, abstract, authors, dot, date)
    lines = text.splitlines()
    start = lines.index("Kernel Density Estimators in Large Dimensions")
    path.write_text("\n".join(lines[:start] + lines[start + 8 :]))

    second, embedder = build(settings)
    assert second.entries == 275
    assert 1 <= embedder.texts_embedded <= 6  # only the edited entry's chunks
    assert second.deleted >= embedder.texts_embedded + 1  # old version's chunks and the removed entry's chunks
    store = ChromaChunkStore(settings.index)
    assert store.count() == second.chunks
    manifest = read_manifest(settings.index.index_dir)
    titles = {e["title"] for e in manifest["entries"]}
    assert "Kernel Density Estimators in Large Dimensions" not in titles
    a = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder(), sync_index=False)
    top = a.retrieve("Zanzibar flamingo", k=1, mode="bm25")[0]
    assert top.title.startswith("Continual Learning with Dynamic Sparse Training") and "Zanzibar" in top.text


def test_bad_seed_file_leaves_index_untouched(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    build(settings)
    manifest_before = (settings.index.index_dir / MANIFEST).read_bytes()
    ids_before = ChromaChunkStore(settings.index).ids()
    for name, content in [
        ("zz_empty.txt", b""),
        ("zz_binary.txt", b"\x00\xff\x00"),
        ("zz_unknown.txt", b"hello\nworld\n"),
    ]:
        bad = seeds_copy / name
        bad.write_bytes(content)
        with pytest.raises(SeedError) as err:
            build(settings)
        assert name in str(err.value)
        bad.unlink()
    assert (settings.index.index_dir / MANIFEST).read_bytes() == manifest_before
    assert ChromaChunkStore(settings.index).ids() == ids_before


def test_interrupted_build_keeps_previous_index_and_resumes(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    build(settings)
    manifest_before = (settings.index.index_dir / MANIFEST).read_bytes()
    path = seeds_copy / LIBRARY
    path.write_text(path.read_text().replace("Mathematical proofs are often said", "Quokka proofs are often said"))
    # a different chunk size changes every chunk: a big rebuild that we interrupt part-way
    settings.index.chunk_tokens = 120
    with pytest.raises(KeyboardInterrupt):
        build(settings, FailingEmbedder(fail_after=100))
    assert (settings.index.index_dir / MANIFEST).read_bytes() == manifest_before
    a = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder(), sync_index=False)
    hits = a.retrieve("Mathematical proofs formal derivation", k=3)
    assert hits and all(p.chunk_id in a.corpus.nodes for p in hits)  # only published chunks are served
    resumed, embedder = build(settings)
    assert 0 < embedder.texts_embedded == resumed.embedded < resumed.chunks  # reused what was embedded before
    assert ChromaChunkStore(settings.index).count() == resumed.chunks


def test_chunks_fit_the_embedder_and_carry_metadata(minilm):
    corpus = load_corpus(Path("seeds"))
    from index.chunk import chunk_entries
    from index.settings import IndexSettings

    s = IndexSettings()
    nodes = chunk_entries(corpus.entries, s.chunk_tokens, s.chunk_overlap, minilm.model_id)
    limit = minilm.max_seq_length
    assert limit == 256
    longest = max(minilm.count_word_pieces(embed_text(n)) for n in nodes)
    assert longest <= limit
    assert {n.metadata["entry_id"] for n in nodes} == {e.id for e in corpus.entries}
    talk = next(n for n in nodes if n.metadata.get("speaker") == "Yue M. Lu")
    assert "speaker: Yue M. Lu" in embed_text(talk) and talk.metadata["when"] == "Monday 30 September 2024, 9:20 am"


def test_chunking_cuts_sentences_without_nltk() -> None:
    # llama-index's default sentence function imports all of NLTK (seconds); the splitter uses index.text's instead.
    code = (
        "import sys\n"
        "from index.chunk import chunk_entries\n"
        "from index.entries import Entry\n"
        "text = ' '.join(f'Sentence number {i} says something about kernels and scaling laws.' for i in range(60))\n"
        "nodes = chunk_entries([Entry(id='p1', kind='paper', title='T', text=text)], 60, 10, 'm')\n"
        "assert len(nodes) > 3 and all(n.text.rstrip().endswith('.') for n in nodes), [n.text for n in nodes]\n"
        "assert 'nltk' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_assistant_syncs_changes_and_survives_a_bad_seed(tmp_path: Path, seeds_copy: Path, caplog):
    settings = make_settings(tmp_path / "data", seeds_copy)
    a = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())
    assert a.build_report is not None and a.build_report.embedded > 400
    again = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())
    assert again.build_report.noop
    (seeds_copy / "zz_bad.txt").write_bytes(b"\x00\x01")
    survived = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())
    assert survived.build_report is None and len(survived.entries) == 276
    assert "zz_bad.txt" in caplog.text


# --- seed limits and loud warnings --------------------------------------------------------------------------------


def test_real_library_seed_states_more_papers_than_it_lists_and_warns():
    corpus = load_corpus(Path("seeds"))
    loud = [w for w in corpus.warnings if w.loud]
    assert [(w.file, w.line) for w in loud] == [(LIBRARY, 2)]
    assert "states 212 papers but 194 entries were parsed" in loud[0].message


def test_truncated_seed_file_warns_with_its_stated_count(tmp_path: Path, seeds_copy: Path, caplog):
    settings = make_settings(tmp_path / "data", seeds_copy)
    build(settings)
    path = seeds_copy / LIBRARY
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    report, _ = build(settings)
    mismatch = next(w for w in report.warnings if w.file == LIBRARY and w.loud)
    assert "states 212 papers" in mismatch.message and "194" not in mismatch.message
    assert any("states 212 papers" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_seed_file_over_the_size_limit_is_an_error_naming_file_and_limit(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    settings.index.max_seed_bytes = 60_000
    with pytest.raises(SeedError, match=r"004_d8db48d4075f29ae\.txt:1: file is 65,979 bytes, over the limit of 60,000"):
        build(settings)
    assert read_manifest(settings.index.index_dir) is None


def test_seed_file_with_too_many_entries_is_an_error(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    settings.index.max_entries_per_file = 100
    with pytest.raises(SeedError, match=f"{LIBRARY}:1: 194 entries, over the limit of 100 per file"):
        build(settings)


def test_build_that_drops_most_entries_warns_loudly(tmp_path: Path, seeds_copy: Path, caplog):
    settings = make_settings(tmp_path / "data", seeds_copy)
    build(settings)
    for name in (LIBRARY, DAILY_A, "004_d8db48d4075f29ae.txt"):
        (seeds_copy / name).unlink()
    report, _ = build(settings)
    drop = [w for w in report.warnings if "drops" in w.message]
    assert len(drop) == 1 and drop[0].loud and "MAX_DROP_SHARE=0.5" in drop[0].message
    assert report.entries == 35 and ChromaChunkStore(settings.index).count() == report.chunks  # it still ran
    assert any("drops" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    settings.index.max_drop_share = 1.0
    (seeds_copy / "003_c10c96c1afa68c83.txt").unlink()
    quiet, _ = build(settings)
    assert not [w for w in quiet.warnings if "drops" in w.message]


def test_up_to_date_check_sees_missing_and_extra_chunks(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    build(settings)
    store = ChromaChunkStore(settings.index)
    victim = sorted(store.ids())[0]
    store.delete([victim])
    again, embedder = build(settings)
    assert not again.noop and embedder.texts_embedded == 1
    assert victim in ChromaChunkStore(settings.index).ids()
    assert build(settings)[0].noop


class PreloadingEmbedder(HashingEmbedder):
    """Counts the build's calls to ``preload``."""

    def __init__(self) -> None:
        super().__init__()
        self.preloads = 0

    def preload(self) -> None:
        self.preloads += 1


def test_build_preloads_the_embedder_only_when_it_has_work(tmp_path: Path, seeds_copy: Path):
    settings = make_settings(tmp_path / "data", seeds_copy)
    first, embedder = build(settings, PreloadingEmbedder())
    assert embedder.preloads == 1 and first.embedded > 0
    second, embedder = build(settings, PreloadingEmbedder())
    assert second.noop and embedder.preloads == 0
    path = seeds_copy / DAILY_A
    path.write_text(path.read_text().replace("Continual learning (CL) refers to", "Continual learning (CL) means"))
    third, embedder = build(settings, PreloadingEmbedder())
    assert embedder.preloads == 1 and third.embedded > 0
