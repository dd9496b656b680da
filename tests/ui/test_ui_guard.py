"""The web server's own limits, on a live app: Gradio's raw upload route refuses too many files, too many bytes and
disallowed types before anything is stored, never serves an upload back, and leaves nothing behind when the server
stops; failed logins are counted per client address and user name with growing waits, so a second client's correct
login succeeds during another's lockout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import assistant.access as access
from assistant import Assistant, Settings
from assistant.access import LoginGuard
from assistant.llm import ScriptedChatModel
from assistant.ui import build_app, launch_kwargs
from assistant.ui.guard import private_upload_dir, sweep
from index.embed import HashingEmbedder
from tests.helpers.servers import free_port

KB = 1000


def _files(tmp: Path) -> list[Path]:
    return [p for p in tmp.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def live(hashing_index: Settings) -> Iterator[dict[str, Any]]:
    """The app on a free loopback port, no login, with small limits: 3 files, 200 kB per request."""
    settings = hashing_index.model_copy(deep=True)
    settings.ui.port = free_port()
    settings.ui.max_upload_files = 3
    settings.ui.max_upload_total_mb = 0.2
    settings.ui.max_upload_mb = 0.1
    with private_upload_dir() as uploads:
        model = ScriptedChatModel(["I don't know."])
        app = build_app(
            lambda: Assistant(settings, chat_model=model, embedder=HashingEmbedder(), sync_index=False), settings
        )
        app.launch(**launch_kwargs(settings, uploads), prevent_thread_lock=True, quiet=True)
        try:
            yield {"url": f"http://127.0.0.1:{settings.ui.port}", "uploads": uploads, "settings": settings}
        finally:
            app.close()
    assert not uploads.exists()  # deleted, with anything uploaded, when the server stopped


def _upload(live: dict[str, Any], files: list[tuple[str, bytes]]) -> httpx.Response:
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return httpx.post(f"{live['url']}/gradio_api/upload", files=parts, timeout=60)


def test_too_many_files_are_refused_whole_and_nothing_is_stored(live: dict[str, Any]) -> None:
    before = _files(live["uploads"])
    response = _upload(live, [(f"n{i}.md", b"# Note\n\ntext\n") for i in range(4)])
    assert response.status_code == 413 and "more than 3 files" in response.json()["detail"]
    assert _files(live["uploads"]) == before


def test_too_many_bytes_are_refused_whole(live: dict[str, Any]) -> None:
    before = _files(live["uploads"])
    response = _upload(live, [("a.pdf", b"x" * 120 * KB), ("b.pdf", b"y" * 120 * KB)])
    assert response.status_code == 413 and "0.2 MB" in response.json()["detail"]
    assert _files(live["uploads"]) == before


@pytest.mark.parametrize("name", ["page.html", "script.js", "noext", "image.svg"])
def test_disallowed_types_reach_the_app_by_name_only_and_their_bytes_are_never_stored(
    live: dict[str, Any], name: str
) -> None:
    before = set(_files(live["uploads"]))
    fine = f"# fine beside {name}\n".encode()  # its own bytes: Gradio stores identical bytes once
    response = _upload(live, [("ok.md", fine), (name, b"<script>alert(1)</script>")])
    assert response.status_code == 200  # the Library names the refused file in its own row
    new = [p for p in _files(live["uploads"]) if p not in before]
    assert any(p.read_bytes() == fine for p in new)
    assert all(b"<script>" not in p.read_bytes() for p in new)
    assert all(p.stat().st_size == 0 for p in new if p.name == name)


def test_an_accepted_upload_is_never_served_back(live: dict[str, Any]) -> None:
    response = _upload(live, [("note.md", b"# A note\n\n<b>bold</b>\n")])
    assert response.status_code == 200
    (stored,) = response.json()
    assert Path(stored).resolve().is_relative_to(live["uploads"].resolve())
    for route in ("/gradio_api/file=", "/file="):
        fetched = httpx.get(f"{live['url']}{route}{stored}", timeout=30)
        assert fetched.status_code == 404 and b"bold" not in fetched.content


def test_the_library_names_an_oversized_file_and_adds_the_good_one(live: dict[str, Any]) -> None:
    from assistant.ui.library import upload
    from tests.helpers.library import FakeLibrary

    response = _upload(live, [("big.md", b"# Big\n" + b"x" * 150 * KB), ("good.md", b"Good notes\nSome text.\n")])
    assert response.status_code == 200  # each file's own limit is the Library's to report, per file
    steps = list(upload(FakeLibrary(), response.json(), live["settings"], upload_dir=live["uploads"]))
    rows, line = steps[-1]
    by_name = {r.name: r for r in rows}
    assert by_name["big.md"].status == "failed" and "0.1 MB" in by_name["big.md"].message
    assert "big.md" in by_name["big.md"].message and by_name["good.md"].status == "added"
    assert "1 added, 1 failed" in line
    assert not any(Path(p).exists() for p in response.json())  # Gradio's copies are gone once handed over


def test_sweep_removes_only_old_files(tmp_path: Path) -> None:
    old, new = tmp_path / "a" / "old.md", tmp_path / "b" / "new.md"
    for path in (old, new):
        path.parent.mkdir()
        path.write_text("x", "utf-8")
    os.utime(old, (1, 1))
    os.utime(old.parent, (1, 1))
    assert sweep(tmp_path, 600) == 1 and not old.exists() and new.exists()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(access.time, "monotonic", c)
    return c


def test_lockout_is_per_client_and_never_refuses_another_clients_correct_login(clock: Clock) -> None:
    who = {"address": "10.0.0.9"}
    guard = LoginGuard("alice", "s3cret", per_minute=5, address=lambda: who["address"])
    for _ in range(5):
        assert not guard("alice", "wrong")
    assert not guard("alice", "s3cret")  # the attacker's own address waits, even with the right password
    who["address"] = "10.0.0.1"
    assert guard("alice", "s3cret")  # the real user, elsewhere, is let in at once
    who["address"] = "10.0.0.9"
    assert guard.wait_s("alice") == pytest.approx(60)
    assert guard.wait_s("bob") == 0  # another user name from the same address is counted apart


def test_waits_grow_after_each_further_failure(clock: Clock) -> None:
    guard = LoginGuard("alice", "s3cret", per_minute=3, address=lambda: "10.0.0.9")
    for _ in range(3):
        guard("alice", "wrong")
    waits = []
    for _ in range(3):
        waits.append(guard.wait_s("alice"))
        clock.now += waits[-1] + 0.1
        assert not guard("alice", "wrong")
    assert waits == pytest.approx([60, 120, 240], abs=0.2)
    clock.now += guard.wait_s("alice") + 0.1
    assert guard("alice", "s3cret") and guard.wait_s("alice") == 0  # success starts the count again


def test_live_login_from_a_second_address_succeeds_during_a_lockout(hashing_index: Settings) -> None:
    settings = hashing_index.model_copy(deep=True)
    settings.ui.port = free_port()
    settings.ui.username, settings.ui.password = "alice", "s3cret"
    settings.ui.login_attempts_per_minute = 3
    app = build_app(lambda: Assistant(settings, embedder=HashingEmbedder(), sync_index=False), settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{settings.ui.port}/login"

    def login(source: str, password: str) -> int:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(transport=transport, timeout=30) as client:
            return client.post(url, data={"username": "alice", "password": password}).status_code

    try:
        assert [login("127.0.0.2", "guess") for _ in range(3)] == [400, 400, 400]
        assert login("127.0.0.2", "s3cret") == 400  # locked: this address waits
        assert login("127.0.0.1", "s3cret") == 200  # another address is let in
    finally:
        app.close()


def test_a_refused_files_bytes_are_cut_from_the_body_and_its_headers_kept() -> None:
    from assistant.ui.guard import without_file_bytes

    body = (
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="a.md"\r\n\r\n# A\r\n'
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="x.sh"\r\n\r\necho hi\r\n--B--\r\n'
    )
    cut = without_file_bytes(body, b"B", {"x.sh"})
    assert b"echo hi" not in cut and b'filename="x.sh"' in cut and b"# A" in cut
