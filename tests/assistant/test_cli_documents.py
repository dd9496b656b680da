"""`assistant add / remove / documents`: per-file progress lines, a summary, exit 1 when a file failed (after the
rest were added), JSON output, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    (folder / "deeper").mkdir(parents=True)
    (folder / "a.md").write_text("# Notes on Sparse Routing\n\nRouting picks two experts per token.\n", "utf-8")
    (folder / "deeper" / "b.txt").write_text("Gradient Checkpointing Notes\nIt trades compute for memory.\n", "utf-8")
    (folder / "deeper" / "c.md").write_text("", "utf-8")
    (folder / "skip.png").write_bytes(b"\x89PNG")
    (folder / "._a.md").write_bytes(b"\x00\x05\x16\x07")  # a macOS resource fork: hidden, not a document
    return folder


def test_add_folder_prints_progress_and_summary_and_exits_1_on_a_failure(tmp_path, cli_env, capsys):
    code = main(["add", str(_folder(tmp_path)), *cli_env])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert code == 1
    assert lines[:3] == [
        "[1/3] a.md: added (1 entry)",
        "[2/3] b.txt: added (1 entry)",
        "[3/3] c.md: file is empty",
    ]
    assert lines[-1].startswith("3 file(s): 2 added, 1 failed (")
    assert err.strip().splitlines()[-1] == "failed: c.md: file is empty" and "Traceback" not in out + err
    assert main(["documents", "--json", *cli_env]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["title"] for d in listed] == ["Notes on Sparse Routing", "Gradient Checkpointing Notes"]
    assert [d["format"] for d in listed] == ["markdown", "text"]


def test_add_again_is_unchanged_and_exit_0(tmp_path, cli_env, capsys):
    note = _folder(tmp_path) / "a.md"
    assert main(["add", str(note), *cli_env]) == 0
    capsys.readouterr()
    assert main(["add", str(note), "--json", *cli_env]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["status"] for f in report["files"]] == ["unchanged"]


def test_remove_and_documents_listing(tmp_path, cli_env, capsys):
    note = _folder(tmp_path) / "a.md"
    main(["add", str(note), "--quiet", *cli_env])
    capsys.readouterr()
    assert main(["documents", *cli_env]) == 0
    table = capsys.readouterr().out
    assert "Notes on Sparse Routing" in table and "a.md" in table and "markdown" in table
    assert main(["remove", "a.md", *cli_env]) == 0
    assert capsys.readouterr().out.strip() == "a.md: removed (1 entry)"
    assert main(["remove", "a.md", *cli_env]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: a.md: no added document has this entry id, path or file name")
    assert main(["documents", *cli_env]) == 0
    assert "no documents added yet" in capsys.readouterr().out


def test_damaged_registry_is_one_line_error(tmp_path, cli_env, capsys):
    registry = tmp_path / "data" / "documents" / "registry.json"
    registry.parent.mkdir(parents=True)
    registry.write_text("[]", "utf-8")
    assert main(["documents", *cli_env]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the document registry") and "damaged" in err and len(err.splitlines()) == 1


def test_add_needs_a_path(cli_env, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["add", *cli_env])
    assert exited.value.code == 2 and "PATH" in capsys.readouterr().err


def test_ask_prints_the_page_of_a_pdf_citation(tmp_path, monkeypatch, capsys):
    import assistant.cli as cli
    from tests.helpers.documents import PAPER_TITLE, make_assistant, paper_html, print_pdf

    reply = "The gating network of Zephyr routing converges after 1200 training steps on a single processor."
    a = make_assistant(tmp_path, [reply], min_relevance=0.0)
    a.add_documents([print_pdf(paper_html(), tmp_path / "zephyr.pdf")])
    monkeypatch.setattr(cli, "_assistant", lambda args: a)
    assert main(["ask", "After how many steps does the gating network of Zephyr routing converge?"]) == 0
    out = capsys.readouterr().out
    assert "1200 training steps" in out and f"[1] {PAPER_TITLE} (paper) — zephyr.pdf, page 2" in out
