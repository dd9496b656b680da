"""Adding and removing your own documents through the Assistant: real Chroma, the hashing embedder (fast), a tiny
seed folder; per-file outcomes, idempotence, replacement, removal, merging with seed entries, nothing lost on
failure, pages in citations, and record answers from added papers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from index.build import build_index
from index.embed import HashingEmbedder
from index.manifest import read_manifest
from tests.helpers.documents import (
    BIBTEX,
    PAPER_TITLE,
    SCAN_HTML,
    encrypt_copy,
    make_assistant,
    paper_html,
    print_pdf,
    truncated_copy,
)

SEED_PAPER = "Reviving the Philosophy of Geometry"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of good and bad documents (PDFs printed by chromium)."""
    d = tmp_path_factory.mktemp("docs")
    paper = print_pdf(paper_html(), d / "paper.pdf")
    (d / "refs.bib").write_text(BIBTEX, encoding="utf-8")
    (d / "sub").mkdir()
    (d / "sub" / "note.md").write_text("# Learned Index Notes\n\nLearned indexes predict key positions.\n", "utf-8")
    (d / "sub" / "empty.txt").write_text("", encoding="utf-8")
    print_pdf(SCAN_HTML, d / "scan.pdf")
    encrypt_copy(paper, d / "locked.pdf")
    truncated_copy(paper, d / "cut.pdf")
    (d / "ignored.docx").write_bytes(b"PK\x03\x04")
    return d


def chunk_ids_of(assistant: Assistant, entry_id: str) -> set[str]:
    return {cid for cid, node in assistant.corpus.nodes.items() if node.metadata["entry_id"] == entry_id}


def test_folder_add_reports_every_file_and_failures_do_not_stop_the_rest(tmp_path, docs):
    a = make_assistant(tmp_path)
    before = {e.id for e in a.entries}
    seen: list[tuple[int, int, str]] = []
    report = a.add_documents([docs], progress=lambda done, total, msg: seen.append((done, total, msg)))
    by_name = {Path(f.path).name: f for f in report.files}
    assert sorted(by_name) == ["cut.pdf", "empty.txt", "locked.pdf", "note.md", "paper.pdf", "refs.bib", "scan.pdf"]
    assert {n for n, f in by_name.items() if f.status == "added"} == {"note.md", "paper.pdf", "refs.bib"}
    assert "OCR is not supported" in by_name["scan.pdf"].message and "encrypted" in by_name["locked.pdf"].message
    assert "truncated" in by_name["cut.pdf"].message and by_name["empty.txt"].message == "empty.txt: file is empty"
    assert by_name["paper.pdf"].pages == 3 and len(by_name["refs.bib"].entry_ids) == 2
    assert [s[:2] for s in seen[:7]] == [
        (
            i,
            7,
        )
        for i in range(1, 8)
    ] or [s[:2] for s in seen[:7]] == [(i, 7) for i in range(1, 8)]
    assert any(msg.startswith("indexing: ") for _, _, msg in seen)
    added = {eid for f in report.files for eid in f.entry_ids}
    assert {e.id for e in a.entries} == before | added and len(added) == 4
    assert report.summary().startswith("7 file(s): 3 added, 4 failed; 3 page(s) read")
    # The Assistant serves the change at once: retrieval, the entity linker and the documents list.
    assert a.retrieve("Zephyr routing gating network converges", k=1)[0].title == PAPER_TITLE
    assert a.corpus.linker.by_title(f"who wrote {PAPER_TITLE}?")[0].title == PAPER_TITLE
    listed = {d.source: d for d in a.documents()}
    assert sorted(listed) == ["note.md", "paper.pdf", "refs.bib"]
    assert (listed["paper.pdf"].format, listed["paper.pdf"].pages, listed["paper.pdf"].title) == ("pdf", 3, PAPER_TITLE)
    assert (a.settings.index.documents_dir / "files" / "paper.pdf").read_bytes() == (docs / "paper.pdf").read_bytes()


def test_unsupported_type_missing_path_and_size_limit_fail_clearly(tmp_path, docs):
    a = make_assistant(tmp_path)
    a.settings.index.max_document_mb = 0.001
    report = a.add_documents([docs / "ignored.docx", tmp_path / "nowhere.pdf", docs / "paper.pdf"])
    messages = [f.message for f in report.files]
    assert [f.status for f in report.files] == ["failed", "failed", "failed"]
    assert messages[0].endswith("no such file or folder") and str(tmp_path / "nowhere.pdf") in messages[0]
    assert messages[1].startswith("ignored.docx: unsupported file type '.docx'")
    assert messages[2].startswith("paper.pdf: file is 0.0 MB, over the limit of 0.001 MB")
    assert a.documents() == [] and "ASSISTANT_INDEX__MAX_DOCUMENT_MB" in messages[2]


def test_same_file_twice_is_a_noop_and_changed_content_replaces_its_chunks(tmp_path):
    a = make_assistant(tmp_path)
    note = tmp_path / "note.md"
    note.write_text("# Learned Index Notes\n\nLearned indexes predict key positions with tiny models.\n", "utf-8")
    first = a.add_documents([note]).files[0]
    built = read_manifest(a.settings.index.index_dir)["built_at"]  # type: ignore[index]
    old_chunks = chunk_ids_of(a, first.entry_ids[0])
    again = a.add_documents([note, note]).files
    assert [f.status for f in again] == ["unchanged"] and again[0].entry_ids == first.entry_ids
    time.sleep(1.1)  # built_at has one-second resolution
    a.add_documents([str(note)])
    assert read_manifest(a.settings.index.index_dir)["built_at"] == built  # type: ignore[index]
    note.write_text("# Learned Index Notes\n\nLearned indexes now use piecewise linear splines.\n", "utf-8")
    updated = a.add_documents([note]).files[0]
    assert updated.status == "updated" and updated.entry_ids == first.entry_ids
    new_chunks = chunk_ids_of(a, first.entry_ids[0])
    assert new_chunks and not (new_chunks & old_chunks) and not (old_chunks & a.store.ids())
    assert "piecewise" in a.corpus.entries[first.entry_ids[0]].text and len(a.documents()) == 1


def test_remove_by_entry_id_path_or_stored_name_deletes_its_chunks(tmp_path, docs):
    a = make_assistant(tmp_path)
    seeds_only = {e.id for e in a.entries}
    report = a.add_documents([docs / "paper.pdf", docs / "refs.bib", docs / "sub" / "note.md"])
    paper = report.files[0]
    paper_chunks = chunk_ids_of(a, paper.entry_ids[0])
    assert paper_chunks <= a.store.ids()
    removed = a.remove_document(paper.entry_ids[0])
    assert removed.status == "removed" and removed.entry_ids == paper.entry_ids
    assert not (paper_chunks & a.store.ids()) and paper.entry_ids[0] not in a.corpus.entries
    assert a.retrieve("Zephyr routing gating network converges", k=1)[0].title != PAPER_TITLE
    assert not (a.settings.index.documents_dir / "files" / "paper.pdf").exists()
    assert a.remove_document(str(docs / "refs.bib")).status == "removed"
    assert a.remove_document("note.md").status == "removed"
    assert {e.id for e in a.entries} == seeds_only and a.documents() == []


def test_unknown_reference_fails_and_changes_nothing(tmp_path, docs):
    a = make_assistant(tmp_path)
    a.add_documents([docs / "sub" / "note.md"])
    manifest = read_manifest(a.settings.index.index_dir)
    outcome = a.remove_document("paper-does-not-exist-1234")
    assert outcome.status == "failed" and outcome.message.startswith("paper-does-not-exist-1234: no added document")
    assert "note.md" in outcome.message and read_manifest(a.settings.index.index_dir) == manifest


def test_document_with_a_seed_title_merges_and_keeps_both_sources(tmp_path):
    a = make_assistant(tmp_path)
    seed = next(e for e in a.entries if e.title == SEED_PAPER)
    count = len(a.entries)
    note = tmp_path / "geometry.md"
    body = "Geometry deserves a philosophy of its own. " * 20
    note.write_text(f"# {SEED_PAPER.upper()}\n\n**Authors:** Maria Rossi and Li Wei\n\n{body}\n", "utf-8")
    outcome = a.add_documents([note]).files[0]
    assert outcome.entry_ids == [seed.id] and len(a.entries) == count
    merged = a.corpus.entries[seed.id]
    assert [s.file for s in merged.sources] == [seed.source, "geometry.md"]
    assert merged.authors == ["Maria Rossi", "Li Wei"] and "philosophy of its own" in merged.text
    a.remove_document("geometry.md")
    assert [s.file for s in a.corpus.entries[seed.id].sources] == [seed.source]


class _BrokenEmbedder(HashingEmbedder):
    """Embeds the seeds, then fails (a full disk, a killed model) once ``fail`` is set."""

    fail = False

    def embed(self, texts):  # type: ignore[no-untyped-def]
        if self.fail:
            raise RuntimeError("embedder crashed")
        return super().embed(texts)


def test_failed_indexing_leaves_registry_and_index_as_they_were(tmp_path, docs):
    embedder = _BrokenEmbedder()
    a = make_assistant(tmp_path, embedder=embedder)
    a.add_documents([docs / "sub" / "note.md"])
    registry = (a.settings.index.documents_dir / "registry.json").read_text("utf-8")
    manifest = read_manifest(a.settings.index.index_dir)
    embedder.fail = True
    outcome = a.add_documents([docs / "paper.pdf"]).files[0]
    assert outcome.status == "failed" and "indexing failed (RuntimeError: embedder crashed)" in outcome.message
    assert (a.settings.index.documents_dir / "registry.json").read_text("utf-8") == registry
    assert read_manifest(a.settings.index.index_dir)["entries"] == manifest["entries"]  # type: ignore[index]
    assert sorted(p.name for p in (a.settings.index.documents_dir / "files").iterdir()) == ["note.md"]
    embedder.fail = False
    assert a.add_documents([docs / "paper.pdf"]).files[0].status == "added"


def test_damaged_registry_is_a_clear_error_and_the_index_is_served(tmp_path, docs):
    a = make_assistant(tmp_path)
    a.add_documents([docs / "sub" / "note.md"])
    (a.settings.index.documents_dir / "registry.json").write_text("{not json", "utf-8")
    with pytest.raises(ValueError, match="document registry .* is damaged"):
        a.add_documents([docs / "paper.pdf"])
    again = Assistant(a.settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())
    assert "Learned Index Notes" in {e.title for e in again.entries}


def test_noop_reindex_with_documents_stays_fast(tmp_path, docs):
    a = make_assistant(tmp_path)
    idx = a.settings.index
    start = time.perf_counter()
    assert build_index(idx, a.embedder, a.store, show_progress=False).noop
    seeds_only = time.perf_counter() - start
    a.add_documents([docs / "paper.pdf", docs / "refs.bib", docs / "sub" / "note.md"])
    start = time.perf_counter()
    report = build_index(idx, a.embedder, a.store, show_progress=False)
    with_docs = time.perf_counter() - start
    assert report.noop and report.entries == len(a.entries)
    assert with_docs < 3 * seeds_only + 0.5, (with_docs, seeds_only)


def test_citation_names_the_page_and_quotes_from_it(tmp_path, docs):
    reply = "The gating network of Zephyr routing converges after 1200 training steps on a single processor."
    a = make_assistant(tmp_path, [reply], min_relevance=0.0)
    a.add_documents([docs / "paper.pdf"])
    ans = a.ask("After how many training steps does the gating network of Zephyr routing converge?")
    assert not ans.abstained and "1200" in ans.text
    cited = ans.citations[0]
    assert (cited.title, cited.source, cited.page) == (PAPER_TITLE, "paper.pdf", 2)
    entry = a.corpus.entries[cited.entry_id]
    assert entry.page_of(cited.quote) == 2 and "1200" in cited.quote
    shown = json.loads(json.dumps(ans.to_dict()))["citations"][0]
    assert shown["page"] == 2 and shown["source"] == "paper.pdf"


@pytest.mark.parametrize(
    ("question", "route", "expected"),
    [
        (f"Who wrote {PAPER_TITLE}?", "record:authors", "is by Jane Doe, Stéphane Müller and Ann Lee"),
        ("What year is Quantised Attention on Microcontrollers from?", "record:year", "is from 2019"),
        ("Which venue published Quantised Attention on Microcontrollers?", "record:venue", "Journal of Embedded ML"),
        ("Who are the authors of Quantised Attention on Microcontrollers?", "record:authors", "Ann Lee and Omar"),
    ],
)
def test_author_year_and_venue_questions_answered_from_records(tmp_path, docs, question, route, expected):
    a = make_assistant(tmp_path, ["The model should not be asked."])
    a.add_documents([docs / "paper.pdf", docs / "refs.bib"])
    ans = a.ask(question)
    assert ans.route == route and expected in ans.text and ans.citations[0].source in ("paper.pdf", "refs.bib")
    assert a.chat_model.calls == []


def test_bibtex_records_that_fail_are_named_in_the_outcome(tmp_path):
    a = make_assistant(tmp_path)
    bib = tmp_path / "mixed.bib"
    bib.write_text(BIBTEX + "\n@article{broken,\n title = {Unclosed\n", "utf-8")
    outcome = a.add_documents([bib]).files[0]
    assert outcome.status == "added" and len(outcome.entry_ids) == 2
    assert outcome.message.startswith("mixed.bib: added (2 entries); skipped: record at line ")
