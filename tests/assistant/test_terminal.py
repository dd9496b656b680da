"""No escape sequence from a document reaches a terminal: `documents`, `retrieve` and `ask` print printable text
only when stdout is a terminal (piped output is left as it is), and a file name with a line break stays on its
progress line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import assistant.cli as cli
import assistant.cli_documents as cli_documents
from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.terminal import one_line, printable
from index.embed import HashingEmbedder
from tests.helpers.documents import tiny_seeds

RED, TITLE_SET, CLEAR, BELL = "\x1b[31m", "\x1b]0;pwned\x07", "\x1b[2J", "\x07"
TITLE = f"Evil {RED}Red{TITLE_SET} Glacier Notes{CLEAR}"
BODY = (
    f"Glacier ice flows {RED}fast{CLEAR} when meltwater lubricates the bed.{TITLE_SET} Basal sliding dominates.\x9b2J"
)
FACT = "Glacier ice flows fast when meltwater lubricates the bed."


class Terminal(io.StringIO):
    """Captured output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"a{RED}b\x1b[0m", "ab"),
        (f"x{TITLE_SET}y", "xy"),
        (f"{CLEAR}top", "top"),
        ("c\x9b31md", "cd"),  # 8-bit CSI
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
        ("keeps\nlines\tand tabs", "keeps\nlines\tand tabs"),
    ],
)
def test_printable_removes_sequences_and_controls(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_one_line_shows_line_breaks() -> None:
    assert one_line("bad\nname\r.md\x1b[2J") == "bad\\nname\\r.md"


@pytest.fixture
def hostile_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A data folder with a Markdown file whose title and body carry escape sequences; the CLI's Assistant uses
    the hashing embedder and answers with the fact."""
    seeds = tiny_seeds(tmp_path / "seeds")
    args = ["--data-dir", str(tmp_path / "data"), "--seeds", str(seeds)]

    def make(parsed: object) -> Assistant:
        settings = cli._settings(parsed)  # type: ignore[arg-type]
        return Assistant(settings, chat_model=ScriptedChatModel([FACT]), embedder=HashingEmbedder())

    monkeypatch.setattr(cli, "_assistant", make)
    monkeypatch.setattr(cli_documents, "_assistant", make)
    doc = tmp_path / "evil.md"
    doc.write_text(f"# {TITLE}\n\n{BODY}\n", encoding="utf-8")
    assert cli.main(["add", str(doc), "--quiet", *args]) == 0
    return args


@pytest.mark.parametrize(
    "command",
    [["documents"], ["retrieve", "glacier meltwater bed"], ["ask", "What makes glacier ice flow fast?"]],
    ids=["documents", "retrieve", "ask"],
)
def test_no_escape_reaches_a_terminal(
    hostile_cli: list[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    out, err = Terminal(), Terminal()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    assert cli.main([*command, *hostile_cli]) == 0
    shown = out.getvalue() + err.getvalue()
    assert "Glacier" in shown and not any(c in shown for c in ("\x1b", "\x07", "\x9b"))


def test_piped_output_is_left_as_it_is(hostile_cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["documents", *hostile_cli]) == 0
    assert "\x1b[31m" in capsys.readouterr().out  # not a terminal: the bytes as stored (e.g. for --json tools)


def test_a_file_name_with_a_line_break_stays_on_its_progress_line(
    hostile_cli: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "two\nlines.md"
    doc.write_text("# Line Break Notes\n\nA note about names.\n", encoding="utf-8")
    cli.main(["add", str(doc), *hostile_cli])
    named = [line for line in capsys.readouterr().out.splitlines() if "lines.md" in line]
    assert named == ["[1/1] two\\nlines.md: added (1 entry)"]
