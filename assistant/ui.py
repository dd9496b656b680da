"""The Gradio web UI: a Chat tab (streamed answers with a Sources panel) and a Corpus tab (searchable entry table).

One Assistant serves every session: it is created lazily, once, by the first page load (with progress shown while
the index is built or the model is prepared) and holds no per-session state; each session's history lives in its
own Chatbot value. Named API endpoints for ``gradio_client``:

- ``/ask``: ``(question: str, kind: str = "All", source: str = "All", k: int = 6) -> (answer_text: str, sources:
  dict)`` where ``sources`` is ``{"abstained": bool, "citations": [citation dicts], "seconds": float}``.
- ``/entries``: ``(query: str = "") -> list[dict]``, one row per entry (see ``ENTRY_COLUMNS``), filtered by ``query``.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import gradio as gr

from assistant.answer import Answer, Citation
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.llm.base import LLMError
from assistant.settings import Settings
from index.entries import KINDS, Entry

log = logging.getLogger(__name__)

ALL = "All"
ENTRY_COLUMNS: tuple[str, ...] = (
    "kind",
    "title",
    "people",
    "affiliation",
    "day",
    "time",
    "date",
    "authors",
    "source",
    "line",
)
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "Who talks at 4:20 pm on Wednesday?",
    "Which speakers are from EPFL?",
    "How many authors does Pointer Networks have?",
    "Which tutorial teaches how to write machine-checkable proofs?",
)
NOT_FOUND = "Not found in the corpus"
_ANSWER_CONCURRENCY = "answer"  # one CPU model serves everyone: answers queue one at a time
_WORD = re.compile(r"(\w+)")
_JOINER = re.compile(r"\s+|\s*[:/’'-]\s*")  # separators inside one highlighted run ("4:20 pm", "Institute/NYU")
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "does",
        "did",
        "do",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "about",
        "into",
        "than",
        "then",
        "there",
        "these",
        "those",
        "gives",
        "give",
        "given",
    }
)

SOURCES_PLACEHOLDER = (
    '<div class="ra-empty">Sources appear here: each cited entry with its speaker or authors, date, seed file and '
    "line, and the quoted passage with the words it shares with the answer highlighted.</div>"
)
SOURCES_CSS = """
.ra-sources { display: flex; flex-direction: column; gap: 10px; font-size: 14px; line-height: 1.45; }
.ra-heading { font-weight: 600; font-size: 15px; color: var(--body-text-color); }
.ra-heading small { font-weight: 400; color: var(--body-text-color-subdued); margin-left: 6px; }
.ra-empty { color: var(--body-text-color-subdued); padding: 12px; border: 1px dashed var(--border-color-primary);
  border-radius: 8px; }
.ra-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  background: var(--block-background-fill); }
.ra-card-head { display: flex; align-items: baseline; gap: 8px; }
.ra-marker { flex: none; font-weight: 700; color: var(--color-accent); }
.ra-title { font-weight: 600; color: var(--body-text-color); flex: 1; }
.ra-kind { flex: none; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; padding: 1px 7px;
  border-radius: 10px; background: var(--color-accent-soft); color: var(--color-accent); }
.ra-meta { margin: 6px 0 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
.ra-meta dt { color: var(--body-text-color-subdued); font-size: 12px; padding-top: 1px; }
.ra-meta dd { margin: 0; color: var(--body-text-color); }
.ra-meta code { font-size: 12px; }
.ra-quote { margin: 8px 0 0 0; padding: 6px 10px; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); color: var(--body-text-color); font-size: 13px; }
.ra-quote mark { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.ra-abstain { border: 1px solid #f59e0b; background: rgba(245, 158, 11, .10); border-radius: 8px; padding: 10px 12px;
  color: var(--body-text-color); }
.ra-abstain strong { display: block; font-size: 15px; margin-bottom: 4px; }
.ra-abstain ul { margin: 6px 0 0 18px; padding: 0; }
.ra-error { border: 1px solid #ef4444; background: rgba(239, 68, 68, .08); border-radius: 8px; padding: 10px 12px;
  color: var(--body-text-color); }
.ra-pending { color: var(--body-text-color-subdued); font-style: italic; }
"""
CSS = """
.ra-status { font-size: 13px; color: var(--body-text-color-subdued); }
.ra-status p { margin: 0; }
#ra-table .virtual-row, #ra-table .header-table, #ra-table td, #ra-table th { font-family: var(--font) !important; }
"""


# -- pure helpers (tested without a server) ----------------------------------------------------------------------


def friendly_error(exc: BaseException) -> str:
    """A chat message for any failure: the reason a person can act on, never a traceback."""
    if isinstance(exc, AssistantError):
        message = str(exc)
        if message.startswith("the language model failed"):
            return f"⚠️ {_capitalize(message)}. Check the model settings (ASSISTANT_LLM__*) and try again."
        return f"⚠️ {_capitalize(message)}."
    if isinstance(exc, LLMError):
        return f"⚠️ The language model failed: {exc}. Check the model settings (ASSISTANT_LLM__*) and try again."
    if isinstance(exc, TimeoutError):
        return "⚠️ The model took too long to answer. Try again, ask a shorter question, or use fewer passages."
    return (
        f"⚠️ Something went wrong while answering ({type(exc).__name__}). The details are in the server log; "
        "please try again."
    )


def _capitalize(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


def highlight_shared_words(quote: str, sentence: str) -> str:
    """HTML-escaped ``quote`` with the content words it shares with ``sentence`` wrapped in ``<mark>``.

    Matching is case-insensitive on whole words; stop words and single letters are never marked; runs of marked
    words separated only by spaces or a joining character (``:``, ``/``, ``-``, apostrophe) become one ``<mark>``.
    """
    wanted = {w.lower() for w in _WORD.findall(sentence) if _is_content_word(w)}
    parts = _WORD.split(quote)  # even indexes: separators, odd indexes: words
    out: list[str] = []
    open_mark = False
    for i, part in enumerate(parts):
        marked = i % 2 == 1 and part.lower() in wanted
        if i % 2 == 0:
            nxt = parts[i + 1] if i + 1 < len(parts) else ""
            joins = open_mark and _JOINER.fullmatch(part) is not None and nxt.lower() in wanted
            if open_mark and not joins:
                out.append("</mark>")
                open_mark = False
            out.append(html.escape(part))
            continue
        if marked and not open_mark:
            out.append("<mark>")
            open_mark = True
        out.append(html.escape(part))
    if open_mark:
        out.append("</mark>")
    return "".join(out)


def _is_content_word(word: str) -> bool:
    lower = word.lower()
    return lower not in _STOPWORDS and (len(lower) > 1 or lower.isdigit())


def _people_line(c: Citation) -> tuple[str, str] | None:
    if c.speaker:
        return "Speaker", c.speaker + (f" — {c.affiliation}" if c.affiliation else "")
    if c.presenters:
        return ("Presenter" if len(c.presenters) == 1 else "Presenters"), ", ".join(c.presenters)
    return None


def _when_lines(c: Citation) -> list[tuple[str, str]]:
    rows = []
    if c.kind == "paper":
        published = " · ".join(x for x in (c.date, _authors(c.authors_count)) if x)
        if published:
            rows.append(("Published", published))
    else:
        when = " ".join(x for x in (c.day, c.date) if x)
        when = ", ".join(x for x in (when, c.time) if x)
        if when:
            rows.append(("When", when))
        if c.authors_count is not None:
            rows.append(("Authors", str(c.authors_count)))
    return rows


def _authors(count: int | None) -> str:
    if count is None:
        return ""
    return f"{count} author" + ("" if count == 1 else "s")


def render_citation(c: Citation) -> str:
    """One source card: marker, title, kind, people, date, seed file:line and the highlighted quote."""
    rows: list[tuple[str, str]] = []
    people = _people_line(c)
    if people:
        rows.append(people)
    rows.extend(_when_lines(c))
    meta = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    location = f"{c.source}:{c.line}" if c.line else c.source
    meta += f"<dt>Source</dt><dd><code>{html.escape(location)}</code></dd>"
    quote = highlight_shared_words(c.quote, c.sentence) if c.quote else ""
    return (
        f'<div class="ra-card" data-marker="{c.marker}">'
        f'<div class="ra-card-head"><span class="ra-marker">[{c.marker}]</span>'
        f'<span class="ra-title">{html.escape(c.title)}</span>'
        f'<span class="ra-kind">{html.escape(c.kind)}</span></div>'
        f'<dl class="ra-meta">{meta}</dl>'
        + (f'<blockquote class="ra-quote">{quote}</blockquote>' if quote else "")
        + "</div>"
    )


def render_sources(answer: Answer) -> str:
    """The Sources panel for a finished answer: one card per citation, or a clear abstention notice."""
    if answer.abstained:
        closest = "".join(
            f"<li>{html.escape(p.title)} <small>({html.escape(p.kind)}, {html.escape(p.source)})</small></li>"
            for p in answer.contexts[:3]
        )
        hint = f"<div>Closest entries searched (none supports an answer):</div><ul>{closest}</ul>" if closest else ""
        return (
            f'<div class="ra-sources"><div class="ra-abstain"><strong>{NOT_FOUND}</strong>'
            "No indexed paper, talk or tutorial supports an answer, so the assistant declines rather than guess. "
            "Try other words, clear the filters, or browse the Corpus tab."
            f"{hint}</div></div>"
        )
    if not answer.citations:
        return f'<div class="ra-sources">{SOURCES_PLACEHOLDER}</div>'
    count = len(answer.citations)
    heading = f'<div class="ra-heading">Sources ({count})<small>answered in {answer.seconds:.1f} s</small></div>'
    return '<div class="ra-sources">' + heading + "".join(render_citation(c) for c in answer.citations) + "</div>"


def render_error(message: str) -> str:
    """The Sources panel after a failed question."""
    return f'<div class="ra-sources"><div class="ra-error">{html.escape(message)}</div></div>'


def render_pending() -> str:
    """The Sources panel while an answer is being worked out."""
    return '<div class="ra-sources"><div class="ra-pending">Searching the corpus and checking citations…</div></div>'


def entry_row(entry: Entry) -> dict[str, Any]:
    """One row of the Corpus table (keys are ``ENTRY_COLUMNS``)."""
    return {
        "kind": entry.kind,
        "title": entry.title,
        "people": ", ".join(entry.people),
        "affiliation": entry.affiliation or "",
        "day": entry.day or "",
        "time": entry.time or "",
        "date": entry.date or entry.page_date or "",
        "authors": entry.authors_count if entry.authors_count is not None else "",
        "source": entry.source,
        "line": entry.line,
    }


def filter_rows(rows: Sequence[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Rows matching every word of ``query`` in any field (case-insensitive); all rows for an empty query."""
    words = query.lower().split()
    if not words:
        return list(rows)
    out = []
    for row in rows:
        haystack = " ".join(str(v) for v in row.values()).lower()
        if all(w in haystack for w in words):
            out.append(row)
    return out


def rows_to_table(rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Rows as lists in ``ENTRY_COLUMNS`` order, for gr.Dataframe."""
    return [[row[c] for c in ENTRY_COLUMNS] for row in rows]


def message_text(content: Any) -> str:
    """Plain text of a Chatbot message's content (a string, or Gradio 6's list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return "".join(message_text(part) for part in content)
    return "" if content is None else str(content)


def history_for_model(messages: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Chat turns to send as context: text only, with failed turns (warning replies) left out."""
    turns: list[dict[str, str]] = []
    for m in messages:
        role, text = m.get("role"), message_text(m.get("content"))
        if role == "assistant" and text.startswith("⚠️"):
            if turns and turns[-1]["role"] == "user":
                turns.pop()
            continue
        if role in ("user", "assistant") and text:
            turns.append({"role": str(role), "content": text})
    return turns


def _option(value: str | None) -> str | None:
    """A dropdown value as a filter: None for "All" or empty."""
    return None if not value or value == ALL else value


def model_label(settings: Settings, assistant: Assistant | None = None) -> str:
    """The backend and model in use, e.g. ``embedded · qwen2.5-coder-1.5b-instruct-q4_k_m``."""
    name = None
    if assistant is not None:
        model = getattr(assistant, "_chat_model", None)  # only if already set up: never trigger model assembly here
        name = getattr(model, "name", None)
    if not name:
        name = settings.llm.model_path.name if settings.llm.model_path else settings.llm.model
    return f"{settings.llm.backend} · {name}"


def status_text(assistant: Assistant | None, settings: Settings, seconds: float | None = None) -> str:
    """The one-line status: entries and chunks indexed, model in use, last answer time."""
    if assistant is None:
        return "Opening the index…"
    corpus = assistant.corpus
    parts = [
        f"**{len(corpus.entries)}** entries · **{len(corpus.nodes)}** chunks indexed",
        f"Model: {model_label(settings, assistant)}",
    ]
    if seconds is not None:
        parts.append(f"Last answer: {seconds:.1f} s")
    return "  |  ".join(parts)


def answer_turn(
    get_assistant: Callable[[], Assistant],
    settings: Settings,
    question: str,
    chat: list[dict[str, Any]] | None,
    kind: str | None = ALL,
    source: str | None = ALL,
    k: float = 6,
) -> Iterator[tuple[list[dict[str, Any]], Any, Any]]:
    """One chat turn as UI updates ``(chat, sources_panel, status_line)``, streamed.

    ``chat`` already ends with the user's question (unless it was empty). The reply grows as verified text arrives;
    the last update carries the Sources panel and the status line. Any failure ends the turn with a friendly
    warning message in the chat (after whatever text was already shown), never an exception.
    """
    chat, question = _plain(chat), question or ""
    prior = history_for_model(chat[:-1] if question.strip() and chat else chat)
    reply = ""
    yield [*chat, _assistant_message(reply)], render_pending(), gr.skip()
    assistant: Assistant | None = None
    answer: Answer | None = None
    try:
        assistant = get_assistant()
        events = assistant.chat_stream(prior, question, k=int(k), kind=_option(kind), source=_option(source))
        for event in events:
            if event.kind == "text" and event.text:
                reply += event.text
                yield [*chat, _assistant_message(reply)], gr.skip(), gr.skip()
            elif event.kind == "final":
                answer = event.answer
        if answer is None:
            raise AssistantError("the pipeline ended without an answer")
    except Exception as exc:
        if not isinstance(exc, AssistantError | LLMError | TimeoutError):
            log.exception("answering failed")
        message = friendly_error(exc)
        reply = f"{reply}\n\n{message}" if reply else message
        yield (
            [*chat, _assistant_message(reply)],
            render_error(message),
            status_text(assistant, settings) if assistant else gr.skip(),
        )
        return
    yield (
        [*chat, _assistant_message(answer.text)],
        render_sources(answer),
        status_text(assistant, settings, answer.seconds),
    )


def _assistant_message(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


# -- the app ------------------------------------------------------------------------------------------------------


class _Shared:
    """The one Assistant, created on first use (thread-safe), and its entry table."""

    def __init__(self, factory: Callable[[], Assistant]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._rows: list[dict[str, Any]] | None = None

    def get(self) -> Assistant:
        """The Assistant, created by the first caller while the others wait."""
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    self._assistant = self._factory()
        return self._assistant

    def rows(self) -> list[dict[str, Any]]:
        """Every entry as a table row, sorted by source file and line."""
        if self._rows is None:
            entries = sorted(self.get().entries, key=lambda e: (e.source, e.line, e.title))
            self._rows = [entry_row(e) for e in entries]
        return self._rows


def _source_choices(assistant: Assistant) -> list[str]:
    return [ALL, *sorted({e.source for e in assistant.entries if e.source})]


def build_app(assistant_factory: Callable[[], Assistant], settings: Settings) -> gr.Blocks:
    """The Gradio app. ``assistant_factory`` is called once, on the first page load or question, and shared."""
    shared = _Shared(assistant_factory)
    default_k = max(1, min(10, settings.retrieval.top_k))

    def startup(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, Any, list[list[Any]], str]:  # noqa: B008
        """Create the Assistant (building the index on first run) and prepare the model, showing progress."""
        try:
            progress(0.05, desc="Opening the index (the first run builds it)…")
            assistant = shared.get()
            progress(0.7, desc="Preparing the language model (the first run assembles it)…")
            status = status_text(assistant, settings)
            try:
                _ = assistant.chat_model
                status = status_text(assistant, settings)  # now with the model's own name
            except Exception as exc:  # the index still works: show why answers will fail
                log.warning("chat model unavailable: %s", exc)
                status = f"{status}  |  {friendly_error(exc)}"
            rows = shared.rows()
            return (
                status,
                gr.update(choices=_source_choices(assistant)),
                rows_to_table(rows),
                _count_text(len(rows), len(rows)),
            )
        except Exception as exc:
            log.exception("could not start the assistant")
            return (f"⚠️ Could not open the index: {exc}", gr.update(), [], "")

    def add_question(question: str, chat: list[dict[str, Any]] | None) -> tuple[str, list[dict[str, Any]], str]:
        """Show the question in the chat at once and clear the box; the answer follows."""
        chat = _plain(chat)
        if question and question.strip():
            chat.append({"role": "user", "content": question.strip()})
        return "", chat, question or ""

    def respond(
        question: str, chat: list[dict[str, Any]] | None, kind: str, source: str, k: float
    ) -> Iterator[tuple[list[dict[str, Any]], Any, Any]]:
        """Stream the answer into the chat, then fill the Sources panel and the status line."""
        yield from answer_turn(shared.get, settings, question, chat, kind, source, k)

    def clear() -> tuple[list[dict[str, Any]], str, str, str]:
        """Start a new conversation."""
        return [], SOURCES_PLACEHOLDER, "", ""

    def search_corpus(query: str) -> tuple[list[list[Any]], str]:
        """Filter the Corpus table."""
        try:
            rows = shared.rows()
        except Exception as exc:
            return [], friendly_error(exc)
        found = filter_rows(rows, query or "")
        return rows_to_table(found), _count_text(len(found), len(rows))

    def ask(question: str, kind: str = ALL, source: str = ALL, k: int = default_k) -> tuple[str, dict[str, Any]]:
        """Answer one question. Returns the answer text (with [n] markers) and {abstained, citations, seconds}."""
        try:
            answer = shared.get().ask(question, k=int(k), kind=_option(kind), source=_option(source))
        except Exception as exc:
            if not isinstance(exc, AssistantError | LLMError | TimeoutError):
                log.exception("answering failed")
            raise gr.Error(friendly_error(exc), print_exception=False) from None
        sources = {
            "abstained": answer.abstained,
            "citations": [c.to_dict() for c in answer.citations],
            "seconds": round(answer.seconds, 3),
        }
        return answer.text, sources

    def entries(query: str = "") -> list[dict[str, Any]]:
        """Every indexed entry as a row (kind, title, people, affiliation, day, time, date, authors, source, line),
        filtered by ``query`` (all words must appear in some field)."""
        try:
            return filter_rows(shared.rows(), query or "")
        except Exception as exc:
            raise gr.Error(friendly_error(exc), print_exception=False) from None

    with gr.Blocks(title="Research Assistant") as app:
        gr.Markdown(
            "## Research Assistant\n"
            "Questions about the indexed ML papers, talks and tutorials. Every answer sentence is checked against "
            "the corpus and cites the entry it comes from; when the corpus does not say, the assistant says so."
        )
        status = gr.Markdown(
            "Opening the index… the first run builds it and prepares the model (a few minutes).",
            elem_classes="ra-status",
        )
        pending = gr.State("")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        height=480,
                        buttons=["copy", "copy_all"],
                        feedback_options=None,
                        placeholder="Ask about a paper, a talk or a tutorial — or pick an example below.",
                        elem_id="ra-chat",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False,
                            placeholder="Ask a question and press Enter…",
                            scale=6,
                            container=False,
                            elem_id="ra-question",
                            max_lines=4,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ra-ask")
                        clear_btn = gr.Button("Clear", scale=1, min_width=80, elem_id="ra-clear")
                    with gr.Row():
                        kind = gr.Dropdown([ALL, *KINDS], value=ALL, label="Kind", scale=1, min_width=120)
                        source = gr.Dropdown([ALL], value=ALL, label="Source file", scale=2, min_width=180)
                        k = gr.Slider(1, 10, value=default_k, step=1, label="Passages", scale=2, min_width=160)
                    examples = gr.Examples(
                        examples=[[q] for q in EXAMPLE_QUESTIONS],
                        inputs=[question],
                        label="Examples",
                        api_visibility="private",
                    )
                with gr.Column(scale=2, min_width=320):
                    sources = gr.HTML(
                        SOURCES_PLACEHOLDER,
                        label="Sources",
                        css_template=SOURCES_CSS,
                        elem_id="ra-sources",
                        padding=True,
                    )
            with gr.Tab("Corpus", id="corpus"):
                with gr.Row():
                    search = gr.Textbox(
                        label="Search",
                        placeholder="Filter by any field: title, speaker, EPFL, Wednesday, tutorial, a seed file…",
                        scale=4,
                        elem_id="ra-search",
                    )
                    count = gr.Markdown("", elem_classes="ra-status")
                table = gr.Dataframe(
                    headers=list(ENTRY_COLUMNS),
                    datatype=["str"] * 7 + ["number", "str", "number"],
                    interactive=False,
                    wrap=True,
                    max_height=640,
                    elem_id="ra-table",
                    column_widths=["6%", "24%", "13%", "10%", "7%", "6%", "8%", "7%", "15%", "4%"],
                )

        app.load(
            startup,
            outputs=[status, source, table, count],
            show_progress_on=[chatbot],
            api_visibility="private",
            concurrency_limit=None,
        )

        answer_inputs = [pending, chatbot, kind, source, k]
        for trigger in (question.submit, ask_btn.click):
            trigger(
                add_question, [question, chatbot], [question, chatbot, pending], queue=False, api_visibility="private"
            ).then(
                respond,
                answer_inputs,
                [chatbot, sources, status],
                api_visibility="private",
                concurrency_id=_ANSWER_CONCURRENCY,
                concurrency_limit=1,
            )
        examples.load_input_event.then(
            add_question, [question, chatbot], [question, chatbot, pending], queue=False, api_visibility="private"
        ).then(
            respond,
            answer_inputs,
            [chatbot, sources, status],
            api_visibility="private",
            concurrency_id=_ANSWER_CONCURRENCY,
            concurrency_limit=1,
        )
        clear_btn.click(clear, outputs=[chatbot, sources, question, pending], queue=False, api_visibility="private")
        search.change(search_corpus, [search], [table, count], queue=False, api_visibility="private")

        gr.api(ask, api_name="ask", concurrency_id=_ANSWER_CONCURRENCY, concurrency_limit=1)
        gr.api(entries, api_name="entries", concurrency_limit=None)

    app.queue(default_concurrency_limit=1, max_size=64)
    return app


def _plain(chat: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Chatbot messages as {role, content: str} dicts."""
    return [{"role": m.get("role"), "content": message_text(m.get("content"))} for m in (chat or [])]


def _count_text(shown: int, total: int) -> str:
    return f"{shown} of {total} entries" if shown != total else f"{total} entries"


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Arguments for ``app.launch()``: address, optional login, styling, and no error details for users."""
    ui = settings.ui
    if bool(ui.username) != bool(ui.password):
        raise AssistantError(
            "set both ASSISTANT_UI__USERNAME and ASSISTANT_UI__PASSWORD to require a login, or neither"
        )
    auth = (ui.username, ui.password) if ui.username and ui.password else None
    return {
        "server_name": ui.host,
        "server_port": ui.port,
        "auth": auth,
        "show_error": False,
        "css": CSS,
        "theme": make_theme(),
        "ssr_mode": False,
        "footer_links": ["api"],
    }


def make_theme() -> gr.themes.Base:
    """The app's theme: fonts shipped with Gradio, so nothing is fetched from the network.

    Only the regular and bold files are named: Gradio's semi-bold files are small subsets (most letters would fall
    back to another font), and the browser renders semi-bold text with the bold face instead.
    """
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "monospace"],
    )


def serve(settings: Settings) -> None:
    """Run the web UI on ``settings.ui.host:port`` (default 127.0.0.1:7860) until interrupted."""
    options = launch_kwargs(settings)
    if options["auth"] is None and settings.ui.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "serving on %s without a login: set ASSISTANT_UI__USERNAME and ASSISTANT_UI__PASSWORD", settings.ui.host
        )
    app = build_app(lambda: Assistant(settings), settings)
    print(f"Research assistant UI on http://{settings.ui.host}:{settings.ui.port} (Ctrl-C to stop)", flush=True)
    app.launch(**options)
