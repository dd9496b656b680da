"""The Gradio UI: pure helpers (fast), the named API through gradio_client, and a real browser (slow)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from assistant import Assistant, AssistantError, Settings
from assistant.answer import Answer, AnswerEvent, Citation
from assistant.llm import LLMError, ScriptedChatModel
from assistant.ui import (
    ENTRY_COLUMNS,
    NOT_FOUND,
    answer_turn,
    build_app,
    entry_row,
    filter_rows,
    friendly_error,
    highlight_shared_words,
    history_for_model,
    launch_kwargs,
    message_text,
    render_sources,
    rows_to_table,
)
from index.embed import HashingEmbedder
from index.entries import Entry, SourceRef

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who talks at 4:20 pm on Wednesday?"
TALK_TITLE = "What does the neuron do? A new model for neuroscience and AI"
SPEAKER = "Mitya Chklovskii"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# -- (a) pure helpers ---------------------------------------------------------------------------------------------


def _citation(**fields: object) -> Citation:
    base: dict[str, object] = {
        "marker": 1,
        "entry_id": "talk-x",
        "title": TALK_TITLE,
        "kind": "talk",
        "source": "003_talks.txt",
        "line": 84,
        "quote": f"Talk: {TALK_TITLE}. Speaker: {SPEAKER} (Flatiron Institute). When: Wednesday 4:20 pm.",
        "sentence": f"On Wednesday at 4:20 pm, {SPEAKER} gives the talk about the neuron.",
        "speaker": SPEAKER,
        "affiliation": "Flatiron Institute",
        "day": "Wednesday",
        "date": "2024-10-02",
        "time": "4:20 pm",
    }
    base.update(fields)
    return Citation(**base)  # type: ignore[arg-type]


def test_highlight_marks_shared_content_words_and_escapes() -> None:
    out = highlight_shared_words(
        "The <neuron> model & the AI of Mitya Chklovskii", "What does Mitya Chklovskii say about the neuron and AI?"
    )
    assert "<mark>neuron</mark>" in out
    assert "<mark>AI</mark>" in out
    assert "<mark>Mitya Chklovskii</mark>" in out  # adjacent marked words merge into one mark
    assert "&lt;" in out and "&amp;" in out and "<neuron>" not in out
    assert "<mark>The</mark>" not in out and "<mark>the</mark>" not in out  # stop words are never marked
    assert "model" in out and "<mark>model</mark>" not in out


def test_sources_panel_lists_citation_fields_with_highlight() -> None:
    answer = Answer(
        question=QUESTION, text=f"{SPEAKER} gives it [1].", abstained=False, citations=[_citation()], seconds=1.25
    )
    panel = render_sources(answer)
    for expected in (
        "[1]",
        TALK_TITLE,
        "talk",
        SPEAKER,
        "Flatiron Institute",
        "Wednesday 2024-10-02, 4:20 pm",
        "003_talks.txt:84",
        "<mark>",
        "1.2 s",
    ):
        assert expected in panel, expected
    assert NOT_FOUND not in panel


def test_sources_panel_paper_shows_publication_date_and_author_count() -> None:
    paper = _citation(
        kind="paper",
        title="Pointer Networks",
        speaker=None,
        affiliation=None,
        day=None,
        time=None,
        date="Jun 9, 2015",
        authors_count=3,
        quote="Paper: Pointer Networks. Authors: 3.",
        sentence="Pointer Networks has 3 authors.",
    )
    panel = render_sources(Answer(question="q", text="t [1].", abstained=False, citations=[paper]))
    assert "Published" in panel and "Jun 9, 2015 · 3 authors" in panel
    tutorial = _citation(kind="tutorial", speaker=None, affiliation=None, presenters=["Ann Lee", "Bo Chen"])
    assert "Presenters" in render_sources(Answer(question="q", text="t", abstained=False, citations=[tutorial]))


def test_sources_panel_shows_abstention_clearly() -> None:
    panel = render_sources(Answer(question="q", text="The corpus does not say.", abstained=True))
    assert NOT_FOUND in panel
    assert "<mark>" not in panel


def test_sources_panel_escapes_html_in_titles() -> None:
    panel = render_sources(
        Answer(question="q", text="t [1].", abstained=False, citations=[_citation(title="<script>alert(1)</script>")])
    )
    assert "<script>" not in panel and "&lt;script&gt;" in panel


def _entry(title: str, kind: str = "talk", **fields: object) -> Entry:
    return Entry(
        id=f"{kind}-{title}", kind=kind, title=title, sources=[SourceRef(file="003_talks.txt", line=7)], **fields
    )  # type: ignore[arg-type]


def test_entries_table_rows_and_filtering() -> None:
    rows = [
        entry_row(
            _entry(
                "Neuron talk",
                speaker=SPEAKER,
                affiliation="Flatiron Institute",
                day="Wednesday",
                time="4:20 pm",
                date="2024-10-02",
            )
        ),
        entry_row(_entry("Brbić talk", speaker="Maria Brbić", affiliation="EPFL", day="Monday")),
        entry_row(_entry("Pointer Networks", kind="paper", authors_count=3, date="Jun 9, 2015")),
    ]
    assert list(rows[0]) == list(ENTRY_COLUMNS)
    assert rows[0]["people"] == SPEAKER and rows[0]["source"] == "003_talks.txt" and rows[0]["line"] == 7
    assert rows[2]["authors"] == 3
    assert [r["title"] for r in filter_rows(rows, "epfl")] == ["Brbić talk"]
    assert [r["title"] for r in filter_rows(rows, "wednesday FLATIRON")] == ["Neuron talk"]
    assert [r["title"] for r in filter_rows(rows, "paper 2015")] == ["Pointer Networks"]
    assert filter_rows(rows, "  ") == rows
    assert filter_rows(rows, "nothing-like-this") == []
    assert rows_to_table(rows[:1])[0][:2] == ["talk", "Neuron talk"]


def test_errors_become_friendly_messages() -> None:
    empty = friendly_error(AssistantError("the question is empty; type a question about the papers"))
    assert empty.startswith("⚠️ The question is empty")
    assert "language model failed" in friendly_error(LLMError("connection refused"))
    assert "took too long" in friendly_error(TimeoutError())
    crash = friendly_error(KeyError("boom"))
    assert crash.startswith("⚠️") and "KeyError" in crash and "Traceback" not in crash


def test_history_for_model_drops_failed_turns_and_reads_content_blocks() -> None:
    chat = [
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        {"role": "assistant", "content": f"{SPEAKER} [1]."},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "⚠️ The question is empty."},
    ]
    assert message_text(chat[0]["content"]) == QUESTION
    assert history_for_model(chat) == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": f"{SPEAKER} [1]."},
    ]


class _StubAssistant:
    """Stands in for Assistant in answer_turn: replays events, then optionally fails."""

    def __init__(self, events: list[AnswerEvent], error: Exception | None = None) -> None:
        self.events, self.error = events, error
        self.corpus = SimpleNamespace(entries={"e1": None, "e2": None}, nodes={"c1": None})
        self.calls: list[tuple[Any, str, dict[str, Any]]] = []

    def chat_stream(self, history: Any, question: str, **options: Any) -> Iterator[AnswerEvent]:
        self.calls.append((history, question, options))
        yield from self.events
        if self.error is not None:
            raise self.error


def _turn(stub: Any, question: str, chat: list[dict[str, Any]], **kw: Any) -> list[tuple[Any, Any, Any]]:
    get = stub if callable(stub) and not isinstance(stub, _StubAssistant) else (lambda: stub)
    return list(answer_turn(get, Settings(), question, chat, **kw))


def test_answer_turn_streams_text_then_sources_and_status() -> None:
    answer = Answer(
        question=QUESTION, text=f"{SPEAKER} gives it [1].", abstained=False, citations=[_citation()], seconds=0.5
    )
    stub = _StubAssistant(
        [AnswerEvent("text", f"{SPEAKER} "), AnswerEvent("text", "gives it [1]."), AnswerEvent("final", answer=answer)]
    )
    earlier = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello [1]."}]
    updates = _turn(stub, QUESTION, [*earlier, {"role": "user", "content": QUESTION}], kind="talk", source="All", k=3)
    texts = [u[0][-1]["content"] for u in updates]
    assert texts[0] == "" and texts[1] == f"{SPEAKER} " and texts[-1] == answer.text  # grows as it streams
    chat, panel, status = updates[-1]
    assert [m["role"] for m in chat] == ["user", "assistant", "user", "assistant"]
    assert TALK_TITLE in panel and "<mark>" in panel
    assert "**2** entries" in status and "Last answer: 0.5 s" in status
    history, question, options = stub.calls[0]
    assert history == earlier and question == QUESTION
    assert options == {"k": 3, "kind": "talk", "source": None}


def test_answer_turn_turns_failures_into_friendly_messages() -> None:
    stub = _StubAssistant([AnswerEvent("text", "Partial answer [1].")], error=LLMError("server went away"))
    chat, panel, _ = _turn(stub, "What is TabPFN?", [{"role": "user", "content": "What is TabPFN?"}])[-1]
    reply = chat[-1]["content"]
    assert reply.startswith("Partial answer [1].") and "⚠️ The language model failed: server went away" in reply
    assert "server went away" in panel and "Traceback" not in reply

    empty = _StubAssistant([], error=AssistantError("the question is empty; type a question"))
    chat, _, _ = _turn(empty, "", [])[-1]
    assert chat == [{"role": "assistant", "content": "⚠️ The question is empty; type a question."}]

    def broken() -> Any:
        raise RuntimeError("disk on fire")

    chat, panel, _ = _turn(broken, QUESTION, [{"role": "user", "content": QUESTION}])[-1]
    assert chat[-1]["content"].startswith("⚠️ Something went wrong") and "RuntimeError" in chat[-1]["content"]


def test_launch_kwargs_auth_needs_both_username_and_password() -> None:
    settings = Settings()
    options = launch_kwargs(settings)
    assert options["auth"] is None and options["server_name"] == "127.0.0.1" and options["show_error"] is False
    settings.ui.username, settings.ui.password = "ana", "secret"
    assert launch_kwargs(settings)["auth"] == ("ana", "secret")
    settings.ui.password = None
    with pytest.raises(AssistantError, match="both"):
        launch_kwargs(settings)


# -- (b) the app in process, through gradio_client ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The UI over a fresh index of the real seeds (hashing embedder, scripted chat model), on a loopback port."""
    settings = Settings()
    settings.index.data_dir = tmp_path_factory.mktemp("ui-index")
    settings.index.seeds_dir = ROOT / "seeds"
    settings.llm.backend = "fake"
    settings.ui.port = _free_port()

    def factory() -> Assistant:
        return Assistant(
            settings, chat_model=ScriptedChatModel(["I don't know."], name="scripted"), embedder=HashingEmbedder()
        )

    app = build_app(factory, settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{settings.ui.port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def client(app_url: str):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_api_lists_only_the_named_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/ask", "/entries"}
    assert not api["unnamed_endpoints"]
    params = [p["parameter_name"] for p in api["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "kind", "source", "k"]


def test_ask_endpoint_answers_with_structured_sources(client) -> None:  # type: ignore[no-untyped-def]
    text, sources = client.predict(QUESTION, "All", "All", 5, api_name="/ask")
    assert SPEAKER in text and "[1]" in text
    assert sources["abstained"] is False
    titles = [c["title"] for c in sources["citations"]]
    assert TALK_TITLE in titles
    first = sources["citations"][0]
    assert first["marker"] == 1 and first["speaker"] == SPEAKER and first["source"].endswith(".txt") and first["line"]


def test_ask_endpoint_filters_and_defaults(client) -> None:  # type: ignore[no-untyped-def]
    text, sources = client.predict("Which speakers are from EPFL?", api_name="/ask")  # kind/source/k defaulted
    assert "EPFL" in text and len(sources["citations"]) >= 2
    text, sources = client.predict(QUESTION, "paper", "All", 3, api_name="/ask")  # the talk is filtered out
    assert TALK_TITLE not in [c["title"] for c in sources["citations"]]


def test_ask_endpoint_reports_errors_in_words(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception, match="question is empty") as info:
        client.predict("   ", api_name="/ask")
    assert "Traceback" not in str(info.value)


def test_entries_endpoint_returns_the_table(client) -> None:  # type: ignore[no-untyped-def]
    rows = client.predict(api_name="/entries")
    assert len(rows) > 100 and set(rows[0]) == set(ENTRY_COLUMNS)
    found = client.predict("Pointer Networks", api_name="/entries")
    assert any(r["title"] == "Pointer Networks" and r["authors"] == 3 for r in found)


# -- (c) a real browser --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_browser_asks_and_shows_sources(app_url: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    out_dir = ROOT / "test-output"
    out_dir.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url)
            page.wait_for_function(
                "document.querySelector('.ra-status')?.innerText.includes('entries')", timeout=120_000
            )
            box = page.locator("#ra-question textarea")
            box.fill(QUESTION)
            box.press("Enter")
            page.wait_for_function(
                f"document.querySelector('#ra-chat')?.innerText.includes({SPEAKER!r})", timeout=120_000
            )
            page.wait_for_function(
                f"document.querySelector('#ra-sources')?.innerText.includes({TALK_TITLE!r})", timeout=60_000
            )
            sources = page.inner_text("#ra-sources")
            assert "003_c10c96c1afa68c83.txt:" in sources and "[1]" in sources
            assert page.locator("#ra-sources mark").count() > 0
            assert "[1]" in page.inner_text("#ra-chat")
            page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
            page.screenshot(path=str(out_dir / "ui-chat.png"), full_page=True)

            box.fill("")
            page.click("#ra-ask")  # an empty question: a friendly message, not a traceback
            page.wait_for_function(
                "document.querySelector('#ra-chat')?.innerText.includes('question is empty')", timeout=60_000
            )
            assert "Traceback" not in page.inner_text("body")
        finally:
            browser.close()
