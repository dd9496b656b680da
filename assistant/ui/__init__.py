"""The Gradio web UI: a conversation whose answers keep their own linked sources, and a corpus browser.

``from assistant.ui import serve, build_app`` is the entry point; the parts live in submodules: ``corpus`` (source
names, dates, rows), ``render`` (HTML), ``export`` (Markdown and BibTeX), ``session`` (conversations, the model
guard), ``turns`` (one question through the pipeline) and ``app`` (the Gradio Blocks)."""

from assistant.access import LoginGuard, check_exposure
from assistant.ui.app import build_app
from assistant.ui.corpus import ENTRY_COLUMNS, entry_row, filter_rows, rows_to_table, sortable_date, source_names
from assistant.ui.export import answer_markdown, bibtex, conversation_markdown
from assistant.ui.render import NOT_FOUND, highlight_shared_words, render_conversation, render_turn
from assistant.ui.server import launch_kwargs, make_theme, serve
from assistant.ui.turns import friendly_error

__all__ = [
    "ENTRY_COLUMNS",
    "NOT_FOUND",
    "LoginGuard",
    "answer_markdown",
    "bibtex",
    "build_app",
    "check_exposure",
    "conversation_markdown",
    "entry_row",
    "filter_rows",
    "friendly_error",
    "highlight_shared_words",
    "launch_kwargs",
    "make_theme",
    "render_conversation",
    "render_turn",
    "rows_to_table",
    "serve",
    "sortable_date",
    "source_names",
]
