"""`assistant add` never follows a link out of the paths given: a link to a file elsewhere (the system password
file), a folder link, or a link inside a folder leading out of it is refused with one line, nothing of it becomes
retrievable and no copy is kept; links inside the folder given and links in the folders above it still work."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistant.cli_documents as cli_documents
from assistant.cli import build_parser, main
from assistant.library import expand_paths

SUFFIXES = (".pdf", ".md", ".markdown", ".txt", ".bib")
SECRET = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """A secret file outside the user's folder, and links to it of every kind."""
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd.txt").write_text(SECRET, encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("# Sparse Routing Notes\n\nRouting picks two experts per token.\n", "utf-8")
    (mine / "alias.md").symlink_to(mine / "notes.md")  # inside: fine (the same file once)
    (mine / "stolen.txt").symlink_to(outside / "passwd.txt")
    (mine / "etc-link").symlink_to(outside, target_is_directory=True)
    (tmp_path / "direct.txt").symlink_to(outside / "passwd.txt")
    (tmp_path / "folder-link").symlink_to(outside, target_is_directory=True)
    return {"root": tmp_path, "mine": mine, "outside": outside}


def test_links_out_of_the_paths_given_are_refused(layout: dict[str, Path]) -> None:
    root, mine = layout["root"], layout["mine"]
    files, failed = expand_paths([mine, root / "direct.txt", root / "folder-link"], SUFFIXES)
    assert files == [mine / "alias.md"] or files == [mine / "notes.md"]
    messages = {Path(f.path).name: f.message for f in failed}
    assert set(messages) == {"stolen.txt", "direct.txt", "folder-link"}
    assert all("\n" not in m and "link" in m for m in messages.values())
    assert "outside" in messages["stolen.txt"] and "passwd.txt" in messages["stolen.txt"]


def test_a_link_in_a_folder_above_the_path_is_followed(layout: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "home").symlink_to(layout["mine"], target_is_directory=True)
    files, failed = expand_paths([tmp_path / "home" / "notes.md"], SUFFIXES)
    assert files == [tmp_path / "home" / "notes.md"] and failed == []


def test_cli_add_refuses_links_and_keeps_nothing_of_them(
    layout: dict[str, Path],
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = layout["root"]
    code = main(["add", str(layout["mine"]), str(root / "direct.txt"), str(root / "folder-link"), *cli_env])
    out, err = capsys.readouterr()
    assert code == 1
    failures = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert len(failures) == 3 and all("link" in line for line in failures)
    assert "1 added" in out.splitlines()[-1]
    data = Path(cli_env[cli_env.index("--data-dir") + 1])
    kept = [p for p in (data / "documents").rglob("*") if p.is_file()]
    assert not any("root:x:0:0" in p.read_text("utf-8", errors="replace") for p in kept)
    a = cli_documents._assistant(build_parser().parse_args(["documents", *cli_env]))
    assert not any("root:x" in p.text for p in a.retrieve("root daemon nologin bash", k=20))
