"""The Library area live: the server's own refusals over HTTP (login before any upload, none at all when uploads
are off, nothing served back), the documented settings, and (slow) uploads through the real Assistant (real Chroma,
real embeddings, a PDF printed by chromium) and through the tab in Debian chromium."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant import Settings
from assistant.ui import build_app, launch_kwargs, render_turn
from assistant.ui.export import answer_markdown
from assistant.ui.library import FAILED, discard_uploads, document_rows, remove, staging_dir
from assistant.ui.session import DONE, new_turn
from tests.helpers import REPO, SEEDS
from tests.helpers.servers import free_port
from tests.helpers.ui import config, run, write


def _six_paper_settings(tmp_path: Path) -> Settings:
    """Settings over six papers of the library seed file (a quick build) and a free port, for a live browser test."""
    settings = config(tmp_path)
    settings.index.seeds_dir = tmp_path / "seeds"
    settings.index.seeds_dir.mkdir()
    lines = (SEEDS / "001_0afc165511f16759.txt").read_text("utf-8").splitlines()
    (settings.index.seeds_dir / "001.txt").write_text("\n".join([lines[0], "6 papers in library", *lines[2:14]]) + "\n")
    settings.ui.port = free_port()
    return settings


@pytest.fixture
def up(tmp_path: Path) -> Path:
    """Stands in for Gradio's upload folder."""
    return tmp_path / "gradio"


# -- the server: login before any upload, none at all when uploads are off --------------------------------------------


def test_the_server_takes_uploads_only_from_signed_in_users_and_none_when_off(fake_assistant: Any) -> None:
    import httpx
    from gradio.utils import get_upload_folder

    assistant = fake_assistant()
    # a data folder where Gradio would serve files from (its upload folder): the stored files must stay unreachable
    data_dir = Path(get_upload_folder()) / f"ra-test-data-{os.getpid()}"
    probe = write(data_dir, "stored.md")
    for uploads in (True, False):
        settings = assistant.settings.model_copy(deep=True)
        settings.index.data_dir = data_dir
        settings.ui.port, settings.ui.uploads = free_port(), uploads
        settings.ui.username, settings.ui.password = ("ann", "s3cret") if uploads else (None, None)
        app = build_app(lambda: assistant, settings)
        app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{settings.ui.port}") as http:
                files = {"files": ("paper.md", b"# A paper\nText.", "text/markdown")}
                if not uploads:
                    assert http.post("/gradio_api/upload", files=files).status_code == 403
                    continue
                assert http.post("/gradio_api/upload", files=files).status_code == 401
                assert http.post("/login", data={"username": "ann", "password": "s3cret"}).status_code == 200
                stored = http.post("/gradio_api/upload", files=files).json()[0]
                assert http.get(f"/gradio_api/file={stored}").status_code == 404  # an upload is never served back
                discard_uploads([stored])
                assert http.get(f"/gradio_api/file={stored}").status_code == 404
                assert http.get(f"/gradio_api/file={probe}").status_code in (403, 404)  # nor the data folder
        finally:
            app.close()
    discard_uploads([probe])


def test_the_upload_settings_and_types_are_documented() -> None:
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in ("ASSISTANT_UI__UPLOADS", "ASSISTANT_UI__MAX_UPLOAD_FILES", "ASSISTANT_UI__MAX_UPLOAD_MB"):
        assert f"| `{setting}`" in page, f"{setting} missing from the settings table in docs/configuration.md"
    assert all(suffix in page for suffix in Settings().index.document_suffixes)


# -- through the real Assistant: real Chroma, real embeddings, a PDF printed by chromium -----------------------------


@pytest.mark.slow
def test_upload_ask_update_remove_through_the_real_assistant(tmp_path: Path, up: Path, minilm: Any) -> None:
    from assistant.api import Assistant
    from assistant.llm import ScriptedChatModel
    from assistant.ui.session import Conversation
    from assistant.ui.turns import Shared, answer_turn
    from tests.helpers.documents import PAPER_PAGES, PAPER_TITLE, paper_html, print_pdf, tiny_seeds, truncated_copy

    fact = PAPER_PAGES[1].split(". ")[0] + "."  # "The gating network ... converges after 1200 training steps ..."

    def reply(messages: list[Any]) -> str:
        return fact if "1200" in messages[-1]["content"] else "I don't know."

    settings = config(tmp_path)
    settings.index.seeds_dir = tiny_seeds(tmp_path / "seeds")
    settings.retrieval.min_relevance = 0.0
    assistant = Assistant(settings, chat_model=ScriptedChatModel(reply), embedder=minilm)
    shared = Shared(lambda: assistant)
    pdf = print_pdf(paper_html(), tmp_path / "paper.pdf")

    def ask(question: str) -> dict[str, Any]:
        conv, turn = Conversation(), new_turn(question, "All", "All", 6)
        conv.add(turn)
        list(answer_turn(shared, conv, turn))
        return turn

    class AskWhileIndexing:
        """The Assistant's library methods; the first time the index is being updated, a question is asked."""

        def __init__(self) -> None:
            self.asked: dict[str, Any] = {}

        def add_documents(self, paths: Sequence[str | Path], progress: Any = None) -> Any:
            def hook(done: int, total: int, message: str) -> None:
                if message.startswith("indexing") and not self.asked:
                    self.asked = ask("Which tutorial teaches how to write machine-checkable proofs?")
                progress(done, total, message)

            return assistant.add_documents(paths, progress=hook)

    library = AskWhileIndexing()
    files = [write(up, "paper.pdf", ""), write(up, "cut.pdf", "")]
    files[0].write_bytes(pdf.read_bytes())
    truncated_copy(pdf, files[1])
    out = run(library, files, settings, up, on_change=shared.forget_names)
    final, line = out[-1]
    assert library.asked["status"] == DONE  # asked while the upload was being indexed, and answered
    assert [(r["name"], r["status"], r["pages"]) for r in final] == [
        ("paper.pdf", "added", 3),
        ("cut.pdf", FAILED, None),
    ]
    assert final[1]["message"].startswith("cut.pdf: ") and str(up) not in final[1]["message"]
    assert "1 added, 1 failed" in line and not any(up.rglob("*.pdf")) and not list(staging_dir(settings).iterdir())
    (doc,) = assistant.documents()
    assert document_rows([doc])[0][:4] == [PAPER_TITLE, "paper", doc.source, 3]

    turn = ask("After how many training steps does the gating network of Zephyr routing converge?")
    cited = turn["answer"]["citations"][0]
    assert (cited["title"], cited["page"]) == (PAPER_TITLE, 2) and "1200" in turn["answer"]["text"]
    assert " · page 2</dd>" in render_turn(turn, 1) and ". page 2." in answer_markdown(turn)

    changed = write(up / "v2", "paper.pdf", "")
    changed.write_bytes(print_pdf(paper_html(pages=PAPER_PAGES[:2]), tmp_path / "v2.pdf").read_bytes())
    final, _ = run(assistant, [changed], settings, up, on_change=shared.forget_names)[-1]
    assert [(r["status"], r["pages"]) for r in final] == [("updated", 2)] and len(assistant.documents()) == 1

    message = remove(assistant, assistant.documents()[0].entry_id, settings, shared.forget_names)
    assert message.startswith("✓ ") and "removed" in message and assistant.documents() == []
    turn = ask("After how many training steps does the gating network of Zephyr routing converge?")
    assert PAPER_TITLE not in [c["title"] for c in (turn["answer"] or {}).get("citations") or []]


@pytest.mark.slow
def test_the_library_tab_in_a_browser(tmp_path: Path, minilm: Any) -> None:
    """The Gradio wiring end to end in Debian chromium: upload two files (one refused on the server, whatever the
    browser's file filter says), see them listed and counted in the status line, remove the added one."""
    from assistant.api import Assistant
    from assistant.llm import ScriptedChatModel
    from tests.helpers.ui import ARGS, CHROMIUM, shot

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium missing: bash scripts/install-browser.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    settings = _six_paper_settings(tmp_path)
    assistant = Assistant(settings, chat_model=ScriptedChatModel("I don't know."), embedder=minilm)
    before = len(assistant.entries)
    note = tmp_path / "pick" / "learned-index-notes.md"
    note.parent.mkdir()
    note.write_text("# Learned Index Notes\n\nAuthors: Ann Lee\n\nLearned indexes predict key positions.\n")
    (note.parent / "run.sh").write_text("echo hi\n")
    app = build_app(lambda: assistant, settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    status = "document.querySelector('.ra-status')?.innerText"
    try:
        with sync_api.sync_playwright() as play:
            browser = play.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.goto(f"http://127.0.0.1:{settings.ui.port}/")
            intro = f"document.querySelector('#ra-intro')?.innerText.includes('{before} papers')"
            page.wait_for_function(intro, timeout=60_000)
            page.get_by_text("Technical details").click()  # the entry count lives there, off the first screen
            page.wait_for_function(f"{status}?.includes('{before} entries')", timeout=60_000)
            page.get_by_role("tab", name="Library").click()
            page.set_input_files("#ra-upload input[type=file]", [str(note), str(note.parent / "run.sh")])
            page.wait_for_function(
                "document.querySelector('#ra-upload-status')?.innerText.includes('Done')", timeout=60_000
            )
            results = page.inner_text("#ra-upload-results")
            assert "added" in results and "run.sh: .sh files are not accepted" in results
            page.wait_for_function("document.querySelector('#ra-docs')?.innerText.includes('Learned Index Notes')")
            assert "1 document added" in page.inner_text("#ra-docs-count")
            page.wait_for_function(f"{status}?.includes('{before + 1} entries')")  # the status line follows
            shot(page, "screenshot-library.png")
            page.click("#ra-remove-choice input")
            page.locator("#ra-remove-choice li[role=option]").first.click()
            page.once("dialog", lambda dialog: dialog.dismiss())  # asked first: No removes nothing
            page.click("#ra-remove")
            page.wait_for_function("document.querySelector('#ra-remove-status')?.innerText.includes('Nothing')")
            assert len(assistant.documents()) == 1
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#ra-remove")
            page.wait_for_function("document.querySelector('#ra-remove-status')?.innerText.includes('removed (')")
            assert "removed (1 entry)" in page.inner_text("#ra-remove-status")
            page.wait_for_function("document.querySelector('#ra-docs-count')?.innerText.includes('No documents')")
            page.wait_for_function(f"{status}?.includes('{before} entries')")
            browser.close()
    finally:
        app.close()
    assert assistant.documents() == []


@pytest.mark.slow
def test_removing_a_document_in_the_browser_asks_first(tmp_path: Path, minilm: Any) -> None:
    """Issue 29: removal asks for confirmation (No removes nothing, the choice stays) and says "1 entry". The document
    is added through the API, so this holds whatever the upload route does."""
    from assistant.api import Assistant
    from assistant.llm import ScriptedChatModel
    from tests.helpers.ui import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium missing: bash scripts/install-browser.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    settings = _six_paper_settings(tmp_path)
    assistant = Assistant(settings, chat_model=ScriptedChatModel("I don't know."), embedder=minilm)
    note = tmp_path / "learned-index-notes.md"
    note.write_text("# Learned Index Notes\n\nAuthors: Ann Lee\n\nLearned indexes predict key positions.\n")
    assistant.add_documents([note])
    app = build_app(lambda: assistant, settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    try:
        with sync_api.sync_playwright() as play:
            browser = play.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.goto(f"http://127.0.0.1:{settings.ui.port}/")
            page.wait_for_function(
                "document.querySelector('#ra-intro')?.innerText.includes('you added')", timeout=60_000
            )
            page.get_by_role("tab", name="Library").click()
            page.wait_for_function("document.querySelector('#ra-docs')?.innerText.includes('Learned Index Notes')")
            page.click("#ra-remove-choice input")
            page.locator("#ra-remove-choice li[role=option]").first.click()
            asked: list[str] = []
            page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
            page.click("#ra-remove")
            page.wait_for_function("document.querySelector('#ra-remove-status')?.innerText.includes('Nothing removed')")
            assert asked and "Remove this document" in asked[0] and len(assistant.documents()) == 1
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#ra-remove")  # the choice stayed: no need to pick it again
            page.wait_for_function("document.querySelector('#ra-remove-status')?.innerText.includes('removed (')")
            assert "removed (1 entry)" in page.inner_text("#ra-remove-status")
            browser.close()
    finally:
        app.close()
    assert assistant.documents() == []
