"""The Gradio app: a Chat tab (a conversation that keeps each answer's sources) and a Corpus tab.

Named API endpoints for ``gradio_client``:

- ``/ask``: ``(question: str, kind: str = "All", source: str = "All", k: int = 6) -> (answer_text: str, sources:
  dict)`` where ``sources`` is ``{"abstained", "route", "citations": [citation dicts], "seconds"}``.
- ``/entries``: ``(query: str = "") -> list[dict]``, one row per entry, filtered by ``query`` (accents and case
  ignored).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.feedback import feedback_path, record_vote
from assistant.llm.base import LLMError
from assistant.settings import Settings
from assistant.ui.assets import CONVERSATION_CSS, CONVERSATION_JS, DARK_JS, DARK_RESTORE_JS
from assistant.ui.corpus import (
    TABLE_HEADERS,
    corpus_intro,
    count_text,
    entry_row,
    filter_rows,
    render_entry_details,
    rows_to_table,
)
from assistant.ui.library import library_tab
from assistant.ui.render import render_conversation
from assistant.ui.session import DONE, FINISHED, Sessions, new_turn
from assistant.ui.sources import render_source
from assistant.ui.turns import (
    ALL,
    MAX_K,
    Shared,
    answer_dict,
    answer_turn,
    check_k,
    check_kind,
    check_source,
    describe_filters,
    friendly_error,
    warm_up,
)
from index.entries import KINDS

log = logging.getLogger(__name__)
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "Who talks at 4:20 pm on Wednesday?",
    "Which speakers are from EPFL?",
    "How many authors does Pointer Networks have?",
    "Which tutorial teaches how to write machine-checkable proofs?",
)

_ANSWERS = "answers"
_MIRROR_S = 0.25


def status_text(shared: Shared, settings: Settings, assistant: Assistant) -> str:
    """Entries and chunks indexed, the model in use, and how long model answers take here."""
    model = assistant.loaded_chat_model
    name = getattr(model, "name", None) or (
        settings.llm.model_path.name if settings.llm.model_path else settings.llm.model
    )
    parts = [
        f"**{len(assistant.corpus.entries)}** entries indexed as **{len(assistant.corpus.nodes)}** searchable pieces",
        f"Model: {settings.llm.backend} · {name}",
    ]
    typical = shared.guard.typical_seconds() if shared.guard else None
    if typical is not None:
        parts.append(f"model answers take about {typical:.0f} s")
    return "  |  ".join(parts)


def build_app(
    assistant_factory: Callable[[], Assistant], settings: Settings, *, shared: Shared | None = None
) -> gr.Blocks:
    """The Gradio app. ``assistant_factory`` is called once, on the first page load or question, and shared
    (``shared``, when given, is used instead: the ``/v1`` APIs served beside the app answer from the same one)."""
    shared = shared or Shared(assistant_factory)
    sessions = Sessions()
    rows_cache: list[dict[str, Any]] = []
    default_k = max(1, min(MAX_K, settings.retrieval.top_k))
    votes_file = feedback_path(settings.index.data_dir)

    def rows() -> list[dict[str, Any]]:
        if not rows_cache:
            entries = sorted(shared.get().entries, key=lambda e: (e.source, e.line, e.title))
            rows_cache.extend(entry_row(e, shared.names) for e in entries)
        return rows_cache

    def startup(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        """Create the Assistant (building the index on first run) and prepare the model, showing progress."""
        try:
            progress(0.05, desc="Opening the index (the first run builds it)…")
            assistant = shared.get()
            progress(0.7, desc="Preparing the language model (the first run assembles it)…")
            note = ""
            try:
                shared.guard_model()
            except Exception as exc:  # the index still works: say why model answers will fail
                log.warning("chat model unavailable: %s", exc)
                note = f"  |  {friendly_error(exc)}"
            warm_up(assistant)
            table = rows()
            choices = [(ALL, ALL)] + [(name, file) for file, name in sorted(shared.names.items(), key=lambda x: x[1])]
            return (
                status_text(shared, settings, assistant) + note,
                corpus_intro(assistant.entries, shared.names),
                gr.update(choices=choices),
                gr.update(choices=choices),
                rows_to_table(table),
                count_text(len(table), len(table)),
                match_text(ALL, ALL),
            )
        except Exception as exc:
            log.error("could not start the assistant: %s", exc)
            return (f"⚠️ Could not open the index: {exc}", "", gr.update(), gr.update(), [], "", "")

    def restore(stored: Any, request: gr.Request) -> str:
        """After a page (re)load: the conversation kept in this browser."""
        turns = stored if isinstance(stored, list) else []
        conv = sessions.replace(request.session_hash or "", turns)
        try:
            return render_conversation(conv.snapshot())
        except Exception as exc:  # a stored conversation this version cannot read: start afresh
            log.warning("ignoring the stored conversation: %s: %s", type(exc).__name__, exc)
            return render_conversation(sessions.replace(request.session_hash or "", []).snapshot())

    def add_question(question: str, kind: str, source: str, k: float, request: gr.Request) -> tuple[str, str]:
        """Show the question at once (queued if an answer is running) and clear the box; the answer follows."""
        conv = sessions.get(request.session_hash or "")
        text = " ".join((question or "").split()) if question and "\n" not in question else (question or "").strip()
        if text:  # Enter on an empty box does nothing, as in chat tools
            conv.add(new_turn(text, kind or ALL, source or ALL, int(k or default_k)))
        return "", render_conversation(conv.snapshot())

    def respond(request: gr.Request) -> Iterator[tuple[Any, Any, Any]]:
        """Answer this session's queued questions in order. A second call while one is answering mirrors its
        progress instead of waiting silently (the page follows whichever call it listens to)."""
        conv = sessions.get(request.session_hash or "")
        yield render_conversation(conv.snapshot()), gr.skip(), gr.skip()  # the page shows the queue at once
        while True:
            if conv.run_lock.acquire(blocking=False):
                try:
                    while (turn := conv.next_queued()) is not None:
                        for _ in answer_turn(shared, conv, turn):
                            yield render_conversation(conv.snapshot()), gr.skip(), gr.skip()
                finally:
                    conv.run_lock.release()
            elif conv.next_queued() is not None or conv.run_lock.locked():
                time.sleep(_MIRROR_S)
                yield render_conversation(conv.snapshot()), gr.skip(), gr.skip()
                continue
            if conv.next_queued() is None:
                break
        status_line = status_text(shared, settings, shared.get())
        yield render_conversation(conv.snapshot()), conv.snapshot(), status_line

    def stop(request: gr.Request) -> str:
        """Stop the answer being written (queued questions still follow)."""
        conv = sessions.get(request.session_hash or "")
        conv.stop()
        return render_conversation(conv.snapshot())

    def clear(request: gr.Request) -> tuple[str, list[Any], str]:
        """Start a new conversation (stops a running answer and forgets every turn and source)."""
        sessions.get(request.session_hash or "").clear()
        return render_conversation([]), [], ""

    def regenerate(request: gr.Request) -> str:
        """Ask the last finished question again, replacing its answer."""
        conv = sessions.get(request.session_hash or "")
        with conv.lock:
            last = next((t for t in reversed(conv.turns) if t.get("question")), None)
            if last is not None and last["status"] in FINISHED:
                conv.turns.remove(last)
                f = last.get("filters") or {}
                conv.add(new_turn(last["question"], f.get("kind", ALL), f.get("source", ALL), f.get("k", default_k)))
        return render_conversation(conv.snapshot())

    def vote(payload: Any) -> str:
        """Store a thumbs up/down (and comment) on one answer in the data folder's feedback file."""
        data = payload[0] if isinstance(payload, list) and payload else payload
        if not isinstance(data, dict):
            return "Could not read the feedback."
        turn = sessions.find_turn(str(data.get("turn", "")))
        if turn is None or turn.get("status") != DONE:
            return "This answer is no longer on the server; ask again to rate it."
        if turn.get("vote"):  # one vote per answer: a second click (or a replayed request) adds no line
            return f"Feedback already saved ({'good' if turn['vote'] == 'up' else 'bad'})."
        try:
            record_vote(votes_file, turn, str(data.get("vote", "")), str(data.get("comment", "")))
        except AssistantError as exc:
            return friendly_error(exc)
        turn["vote"] = data.get("vote")
        return "Thanks, feedback saved."

    def match_text(kind: str, source: str) -> str:
        try:
            names = shared.names
            kind_v, source_v = check_kind(kind), check_source(source, names)
        except AssistantError as exc:
            return friendly_error(exc)
        if kind_v is None and source_v is None:
            return f"All {len(shared.get().entries)} entries are searched."
        from assistant.retrieve import Filters

        n = sum(Filters(kind_v, source_v).accepts(e) for e in shared.get().entries)
        if n == 0:
            return f"⚠️ No entries match these filters ({describe_filters(kind_v, source_v, names)})."
        return f"{n} entries match these filters."

    def corpus_rows(query: str, kind: str, source: str) -> list[dict[str, Any]]:
        found = filter_rows(rows(), query or "")
        return [r for r in found if kind in (None, "", ALL, r["kind"]) and source in (None, "", ALL, r["source"])]

    def search_corpus(query: str, kind: str = ALL, source: str = ALL) -> tuple[list[list[Any]], str]:
        try:
            table = rows()
        except Exception as exc:
            return [], friendly_error(exc)
        found = corpus_rows(query, kind, source)
        return rows_to_table(found), count_text(len(found), len(table))

    def open_source(payload: Any) -> str:
        """The source viewer's HTML for {entry, quote}: the entry's lines in its file, the quote marked."""
        data = payload[0] if isinstance(payload, list) and payload else payload
        if not isinstance(data, dict):
            return "Could not read the request."
        entry = shared.get().corpus.entries.get(str(data.get("entry", "")))
        if entry is None:
            return "This entry is no longer in the index."
        return render_source(entry, shared.names, settings.index, str(data.get("quote", ""))[:5000])

    def show_entry(query: str, kind: str, source: str, evt: gr.SelectData) -> str:
        found = corpus_rows(query, kind, source)
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(index, int) or not 0 <= index < len(found):
            return ""
        entry = shared.get().corpus.entries.get(found[index]["id"])
        return render_entry_details(entry, shared.names) if entry else ""

    def ask(question: str, kind: str = ALL, source: str = ALL, k: int = default_k) -> tuple[str, dict[str, Any]]:
        """Answer one question. Returns the answer text (with [n] markers) and {abstained, route, citations,
        seconds}."""
        try:
            if not isinstance(question, str):
                raise AssistantError(f"the question must be text, got {type(question).__name__}")
            k_v, kind_v, source_v = check_k(k), check_kind(kind), check_source(source, shared.names)
            try:
                shared.guard_model()
            except Exception as exc:
                log.warning("chat model unavailable: %s", exc)
            answer = shared.get().ask(question, k=k_v, kind=kind_v, source=source_v)
            data = answer_dict(answer, shared.get(), shared.names)
        except Exception as exc:
            if not isinstance(exc, AssistantError | LLMError | TimeoutError):
                log.error("answering failed: %s: %s", type(exc).__name__, exc)
            raise gr.Error(friendly_error(exc), print_exception=False) from None
        keys = ("abstained", "route", "citations", "seconds")
        return data["text"], {key: data.get(key) for key in keys}

    def entries(query: str = "") -> list[dict[str, Any]]:
        """Every indexed entry as a row (kind, title, people, affiliation, day, time, date, authors, source, line,
        id, source_name), filtered by ``query`` (all words must appear in some field; accents and case ignored)."""
        try:
            if not isinstance(query, str):
                raise AssistantError(f"the query must be text, got {type(query).__name__}")
            return filter_rows(rows(), query)
        except Exception as exc:
            raise gr.Error(friendly_error(exc), print_exception=False) from None

    with gr.Blocks(title="Research Assistant") as app:
        with gr.Row(equal_height=True):
            gr.Markdown("## Research Assistant")
            dark = gr.Button("◐ Dark mode", size="sm", scale=0, min_width=110, elem_id="ra-dark")
        intro = gr.Markdown("Opening the index… the first run builds it (a few minutes).", elem_id="ra-intro")
        with gr.Accordion("Technical details", open=False, elem_id="ra-tech"):
            status = gr.Markdown("", elem_classes="ra-status")
            gr.Markdown(
                "Every answer sentence is checked against the corpus and cites the entry it comes from; when the "
                "corpus does not say, the assistant says so. Record answers (who, when, where) come from the "
                "entries' records without the model.",
                elem_classes="ra-status",
            )
        store = gr.BrowserState([], storage_key="research-assistant-conversation")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                conversation = gr.HTML(
                    render_conversation([]),
                    elem_id="ra-conv",
                    css_template=CONVERSATION_CSS,
                    js_on_load=CONVERSATION_JS,
                    server_functions=[vote, open_source],
                    padding=False,
                    autoscroll=True,
                )
                with gr.Row(elem_id="ra-ask-row"):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question and press Enter (you can ask the next one while it answers)…",
                        scale=6,
                        container=False,
                        elem_id="ra-question",
                        max_lines=4,
                        min_width=200,
                    )
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ra-ask")
                    stop_btn = gr.Button("Stop", variant="stop", scale=1, min_width=70, elem_id="ra-stop")
                with gr.Row():
                    regen_btn = gr.Button("↻ Regenerate last", size="sm", elem_id="ra-regenerate", scale=0)
                    clear_btn = gr.Button("Clear conversation", size="sm", elem_id="ra-clear", scale=0)
                with gr.Row():
                    kind = gr.Dropdown(
                        [ALL, *KINDS], value=ALL, label="Kind", scale=1, min_width=120, elem_id="ra-kind"
                    )
                    source = gr.Dropdown([ALL], value=ALL, label="Source", scale=2, min_width=200, elem_id="ra-source")
                    k = gr.Slider(
                        1,
                        MAX_K,
                        value=default_k,
                        step=1,
                        label="Entries to read",
                        info="How many of the best-matching entries the answer is drawn from (more: broader, slower).",
                        scale=2,
                        min_width=180,
                    )
                matches = gr.Markdown("", elem_classes="ra-status", elem_id="ra-matches")
                examples = gr.Examples(
                    examples=[[q] for q in EXAMPLE_QUESTIONS],
                    inputs=[question],
                    label="Examples",
                    api_visibility="private",
                )
            with gr.Tab("Corpus", id="corpus"):
                with gr.Row():
                    search = gr.Textbox(
                        label="Search (accents and case ignored)",
                        placeholder="Title, speaker, EPFL, Wednesday, tutorial, Daily Papers…",
                        scale=4,
                        elem_id="ra-search",
                    )
                    corpus_kind = gr.Dropdown(
                        [ALL, *KINDS], value=ALL, label="Kind", scale=1, min_width=110, elem_id="ra-corpus-kind"
                    )
                    corpus_source = gr.Dropdown(
                        [ALL], value=ALL, label="Source", scale=2, min_width=180, elem_id="ra-corpus-source"
                    )
                    count = gr.Markdown("", elem_classes="ra-status", elem_id="ra-count")
                gr.Markdown(
                    "Click a row for the full entry. Dates are YYYY-MM-DD (--MM-DD where the source gives no year).",
                    elem_classes="ra-status",
                )
                details = gr.HTML("", elem_id="ra-details", padding=True)
                table = gr.Dataframe(
                    headers=list(TABLE_HEADERS),
                    datatype=["str"] * len(TABLE_HEADERS),
                    interactive=False,
                    wrap=True,
                    max_height=640,
                    elem_id="ra-table",
                    column_widths=["9%", "43%", "18%", "11%", "19%"],
                )
            shared.listen(rows_cache.clear)  # documents changed through the API: the corpus table is read again
            changed = library_tab(shared, settings, on_change=lambda: (rows_cache.clear(), shared.forget_names()))

        started = [status, intro, source, corpus_source, table, count, matches]
        app.load(startup, outputs=started, api_visibility="private", concurrency_limit=None)
        app.load(None, js=DARK_RESTORE_JS, api_visibility="private")
        app.load(restore, inputs=[store], outputs=[conversation], api_visibility="private", queue=False)
        for event in changed:  # documents added or removed: the status, sources and corpus table follow
            event.then(startup, outputs=started, api_visibility="private")

        answer_args: dict[str, Any] = {
            "outputs": [conversation, store, status],
            "api_visibility": "private",
            "concurrency_id": _ANSWERS,
            "concurrency_limit": settings.ui.concurrency,
            "show_progress": "hidden",
        }
        ask_inputs = [question, kind, source, k]
        for trigger in (question.submit, ask_btn.click):
            trigger(
                add_question,
                ask_inputs,
                [question, conversation],
                queue=False,
                api_visibility="private",
                trigger_mode="multiple",
            ).then(respond, None, **answer_args)
        examples.load_input_event.then(
            add_question, ask_inputs, [question, conversation], queue=False, api_visibility="private"
        ).then(respond, None, **answer_args)
        regen_btn.click(regenerate, None, [conversation], queue=False, api_visibility="private").then(
            respond, None, **answer_args
        )
        stop_btn.click(stop, None, [conversation], queue=False, api_visibility="private")
        clear_btn.click(clear, None, [conversation, store, question], queue=False, api_visibility="private")
        dark.click(None, js=DARK_JS, api_visibility="private")
        for dropdown in (kind, source):
            dropdown.change(match_text, [kind, source], [matches], queue=False, api_visibility="private")
        corpus_filters = [search, corpus_kind, corpus_source]
        for control in corpus_filters:
            control.change(search_corpus, corpus_filters, [table, count], queue=False, api_visibility="private")
        table.select(show_entry, corpus_filters, [details], queue=False, api_visibility="private")

        gr.api(ask, api_name="ask", concurrency_id=_ANSWERS, concurrency_limit=settings.ui.concurrency)
        gr.api(entries, api_name="entries", concurrency_limit=None)

    app.queue(default_concurrency_limit=settings.ui.concurrency, max_size=256)
    return app
