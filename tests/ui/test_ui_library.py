"""The web UI's Library area with a deterministic fake library: upload checks (types, size, count, uploads off),
progress and per-file outcomes, removal and listing, friendly errors, Gradio's temporary copies deleted, pages in
the Sources panel and exports; and the server's own refusals over HTTP (login required, uploads off)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.ui import bibtex, build_app, launch_kwargs, render_turn
from assistant.ui.export import answer_markdown, reference_line
from assistant.ui.library import (
    FAILED,
    READ,
    READING,
    WAITING,
    added_text,
    check_uploads,
    discard_uploads,
    document_rows,
    removal_choices,
    remove,
    staging_dir,
)
from assistant.ui.session import DONE, new_turn
from tests.helpers.library import FakeLibrary, Report
from tests.helpers.ui import config, run, write

# -- checks before anything is indexed -------------------------------------------------------------------------------


@pytest.fixture
def up(tmp_path: Path) -> Path:
    """Stands in for Gradio's upload folder."""
    return tmp_path / "gradio"


def test_only_allowed_types_reach_the_library(tmp_path: Path, up: Path) -> None:
    names = ["paper.pdf", "notes.MD", "refs.bib", "setup.exe", "README", "paper.pdf.sh", "a.markdown", "b.txt"]
    paths = [write(up, n) for n in names] + [write(up / "other", "b.txt", "another b")]
    accepted, rows = check_uploads(paths, config(tmp_path))
    assert [p.name for p in accepted] == ["paper.pdf", "notes.MD", "refs.bib", "a.markdown", "b.txt"]
    assert [r.name for r in rows] == [*names, "b.txt"]  # one row per file, in upload order
    refused = {r.name: r.message for r in rows if r.status == FAILED}
    assert set(refused) == {"setup.exe", "README", "paper.pdf.sh", "b.txt"}
    assert refused["setup.exe"].startswith("setup.exe: .exe files are not accepted; allowed: .pdf, .md")
    assert "without an extension" in refused["README"] and ".sh files" in refused["paper.pdf.sh"]
    assert refused["b.txt"] == "b.txt: another file of this upload has the same name"
    settings = config(tmp_path)
    settings.index.document_suffixes = [".md"]  # the library's own setting decides the types
    assert [p.name for p in check_uploads(paths, settings)[0]] == ["notes.MD"]


def test_files_over_the_size_limit_are_refused_by_name(tmp_path: Path, up: Path) -> None:
    small, big = write(up, "small.md", "x" * 1000), write(up, "big.md", "x" * 3000)
    accepted, rows = check_uploads([small, big], config(tmp_path, max_upload_mb=0.001))  # 1048 bytes
    assert accepted == [small]
    assert rows[1].status == FAILED and rows[1].message.startswith("big.md is 0.0 MB, more than the limit of 0.001 MB")
    assert "ASSISTANT_UI__MAX_UPLOAD_MB" in rows[1].message


def test_too_many_files_are_refused_whole_and_their_copies_deleted(tmp_path: Path, up: Path) -> None:
    library = FakeLibrary()
    paths = [write(up, f"p{i}.md") for i in range(3)]
    out = run(library, paths, config(tmp_path, max_upload_files=2), up)
    assert out == [([], out[0][1])] and "3 files in one upload is more than the limit of 2" in out[0][1]
    assert "ASSISTANT_UI__MAX_UPLOAD_FILES" in out[0][1] and library.given == []
    assert not any(p.exists() for p in paths)


@pytest.mark.parametrize("empty", [None, [], [""]])
def test_an_empty_upload_says_what_to_pick(tmp_path: Path, up: Path, empty: Any) -> None:
    (rows, line), *_ = run(FakeLibrary(), empty, config(tmp_path), up)
    assert rows == [] and "No file was chosen; pick one or more .pdf, .md, .markdown, .txt or .bib files" in line


def test_uploads_off_refuses_everything_and_builds_no_library_tab(
    tmp_path: Path, up: Path, fake_assistant: Any
) -> None:
    library = FakeLibrary()
    settings = config(tmp_path, uploads=False)
    (rows, line), *_ = run(library, [write(up, "paper.md")], settings, up)
    assert rows == [] and "turned off on this server (ASSISTANT_UI__UPLOADS=false)" in line and library.given == []
    assert "turned off" in remove(library, "doc-paper", settings)
    assert launch_kwargs(settings)["max_file_size"] == 0
    assistant = fake_assistant()
    ids = {c.get("props", {}).get("elem_id") for c in build_app(lambda: assistant, settings).config["components"]}
    assert "ra-upload" not in ids and "ra-docs" not in ids
    settings.ui.uploads = True
    ids = {c.get("props", {}).get("elem_id") for c in build_app(lambda: assistant, settings).config["components"]}
    assert {"ra-upload", "ra-docs", "ra-remove"} <= ids


# -- indexing through the library ----------------------------------------------------------------------------------


def test_upload_reports_progress_and_each_files_outcome(tmp_path: Path, up: Path) -> None:
    library, settings = FakeLibrary(), config(tmp_path)
    run(library, [write(up, "kept.md", "Kept\nsame"), write(up, "changed.md", "Changed\nold")], settings, up)
    changes: list[int] = []
    paths = [
        write(up, "new.pdf", "New paper\f page two\f page three"),
        write(up, "kept.md", "Kept\nsame"),
        write(up, "changed.md", "Changed\nnew"),  # a new upload of the same name replaces the old one
        write(up, "broken.pdf", "BAD bytes"),
        write(up, "tool.exe", "MZ"),
    ]
    out = run(library, paths, settings, up, on_change=lambda: changes.append(1))
    assert [r["status"] for r in out[0][0]] == [READING] + [WAITING] * 3 + [FAILED]  # refused here at once
    assert any([r["status"] for r in rows[:2]] == [READ, READING] for rows, _ in out)
    assert any(line.startswith("Read 4 of 4: ") for _, line in out)
    final, line = out[-1]
    assert [(r["name"], r["status"], r["pages"]) for r in final] == [
        ("new.pdf", "added", 3),
        ("kept.md", "unchanged", 1),
        ("changed.md", "updated", 1),
        ("broken.pdf", "failed", None),
        ("tool.exe", "failed", None),
    ]
    assert final[3]["message"] == "broken.pdf: not a PDF (the file is damaged)"  # no server path shown
    assert line == "⚠️ Done in 0.2 s: 1 added, 1 updated, 1 unchanged, 2 failed."
    assert changes == [1] and len(library.given[-1]) == 4
    assert {Path(p).parent for p in library.given[-1]} == {staging_dir(settings)}  # one path per file name


def test_nothing_changed_means_no_refresh(tmp_path: Path, up: Path) -> None:
    library, changes, settings = FakeLibrary(), [], config(tmp_path)
    run(library, [write(up, "a.md")], settings, up)
    out = run(library, [write(up, "a.md")], settings, up, on_change=lambda: changes.append(1))
    assert out[-1][1] == "Done in 0.2 s: 1 unchanged." and changes == []


def test_every_copy_is_deleted_after_indexing_and_other_files_never(tmp_path: Path, up: Path) -> None:
    inside = [write(up, "a.md"), write(up, "b.exe")]
    outside = write(tmp_path / "mine", "c.md")
    library, settings = FakeLibrary(), config(tmp_path)
    run(library, [*inside, outside], settings, up)
    assert [Path(p).name for p in library.given[0]] == ["a.md", "c.md"]
    assert not any(p.exists() or p.parent.exists() for p in inside) and up.exists()
    assert list(staging_dir(settings).iterdir()) == []  # the staged copies are gone too
    assert outside.exists()
    discard_uploads([up, up / ".." / "mine" / outside.parent.name / "c.md"], up)  # no way out of the folder
    assert outside.exists() and up.exists()


def test_a_question_is_answered_while_an_upload_is_indexing(tmp_path: Path, up: Path, fake_assistant: Any) -> None:
    from assistant.ui.session import Conversation
    from assistant.ui.turns import Shared, answer_turn

    gate = threading.Event()
    library, settings = FakeLibrary(gate=gate), config(tmp_path)
    lines: list[str] = []
    worker = threading.Thread(
        target=lambda: lines.extend(line for _, line in run(library, [write(up, "a.md")], settings, up))
    )
    worker.start()
    assistant = fake_assistant()
    conv, turn = Conversation(), new_turn("Who talks at 4:20 pm on Wednesday?", "All", "All", 6)
    conv.add(turn)
    list(answer_turn(Shared(lambda: assistant), conv, turn))
    assert turn["status"] == DONE and worker.is_alive()  # answered while the file was still being read
    gate.set()
    worker.join(10)
    assert lines[-1] == "Done in 0.2 s: 1 added."


def test_an_unexpected_library_failure_is_a_friendly_message(
    tmp_path: Path, up: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(FakeLibrary):
        def add_documents(self, paths: Sequence[str | Path], progress: Any = None) -> Report:
            raise RuntimeError("disk on fire")

    caplog.set_level(logging.INFO)
    final, line = run(Broken(), [write(up, "a.md")], config(tmp_path), up)[-1]
    assert final[0]["status"] == FAILED and "Something went wrong" in final[0]["message"]
    assert line.startswith("⚠️ Nothing was added.") and "Traceback" not in line
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


# -- listing and removal -----------------------------------------------------------------------------------------


def test_documents_are_listed_newest_first_and_removed_by_entry_id(tmp_path: Path, up: Path) -> None:
    library, changes, settings = FakeLibrary(), [], config(tmp_path)
    run(library, [write(up, "first.md", "First\nx"), write(up, "second.pdf", "Second\f2")], settings, up)
    docs = library.documents()
    assert document_rows(docs) == [
        ["Second", "paper", "second.pdf", 2, "2026-12-01 17:52"],
        ["First", "paper", "first.md", 1, "2026-12-01 17:51"],
    ]
    assert removal_choices(docs) == [("Second (second.pdf)", "doc-second"), ("First (first.md)", "doc-first")]
    assert remove(library, "doc-second", settings, lambda: changes.append(1)) == "✓ second.pdf: removed (1 entry)"
    assert [d.title for d in library.documents()] == ["First"] and changes == [1]
    message = remove(library, "doc-nope", settings, lambda: changes.append(1))
    assert message == "⚠️ Doc-nope: no added document has this id, path or file name." and changes == [1]
    assert remove(library, "  ", settings) == "⚠️ Choose a document to remove first."
    assert added_text("2026-12-01T17:50:03+00:00") == "2026-12-01 17:50" and added_text("yesterday") == "yesterday"


# -- pages in the Sources panel and the exports --------------------------------------------------------------------


def test_a_cited_page_shows_on_the_card_and_in_the_markdown() -> None:
    cited = {"marker": 1, "entry_id": "doc-x", "title": "Deep Nets", "kind": "paper", "source": "deep-nets.pdf"}
    turn = new_turn("What do deep nets do?", "All", "All", 6)
    turn.update(
        status=DONE, answer={"text": "They learn [1].", "citations": [dict(cited, page=3, quote="They learn.")]}
    )
    assert "deep-nets.pdf · page 3" in render_turn(turn, 1)
    assert reference_line(dict(cited, page=3)).endswith("deep-nets.pdf. page 3.")
    assert "[1] “Deep Nets” (paper). deep-nets.pdf. page 3." in answer_markdown(turn)
    assert "page" not in reference_line(cited)


def test_added_documents_are_named_by_file_and_their_authors_are_authors() -> None:
    from assistant.ui.corpus import render_entry_details, source_names
    from index.documents.common import paper_entry

    docs = [
        paper_entry(title="Deep Nets", text="Deep Nets\nThey learn.", file="deep-nets.pdf", authors=["Ann Lee", "Bo"]),
        paper_entry(title="Notes", text="Notes\nShort.", file="notes.md", year=2021, venue="Workshop on Notes"),
    ]
    names = source_names(docs)
    assert names == {"deep-nets.pdf": "deep-nets.pdf", "notes.md": "notes.md"}  # not "added documents (page 2)"
    details = render_entry_details(docs[0], names)
    assert "<dt>Authors</dt><dd>Ann Lee, Bo</dd>" in details and "Presenter" not in details
    assert "<dt>Year</dt><dd>2021</dd><dt>Venue</dt><dd>Workshop on Notes</dd>" in render_entry_details(docs[1], names)


def test_an_added_papers_authors_year_and_venue_show_and_export() -> None:
    from tests.helpers.bibtex import parse_bibtex

    cited = {"marker": 1, "entry_id": "doc-q", "title": "Quantised Attention", "kind": "paper", "source": "refs.bib"}
    cited.update(authors=["Ann Lee", "Omar Haddad"], year=2019, venue="Journal of Embedded ML", quote="We quantise.")
    turn = new_turn("Who wrote Quantised Attention?", "All", "All", 6)
    turn.update(status=DONE, answer={"text": "Ann Lee and Omar Haddad [1].", "citations": [cited]})
    html = render_turn(turn, 1)
    assert "<dt>Authors</dt><dd>Ann Lee, Omar Haddad</dd>" in html
    assert "<dt>Published</dt><dd>2019 · Journal of Embedded ML</dd>" in html
    assert reference_line(cited).startswith("“Quantised Attention” (paper). Ann Lee, Omar Haddad. Journal of Embedded")
    assert "ML. 2019. refs.bib." in reference_line(cited)
    (record,) = parse_bibtex(bibtex([cited]))
    assert record["author"] == "Ann Lee and Omar Haddad" and record["year"] == "2019"
    assert record["howpublished"] == "Paper, Journal of Embedded ML"
