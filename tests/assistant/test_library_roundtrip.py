"""Add → ask → remove → ask with real parts: a chromium-printed PDF, real Chroma, the packaged MiniLM embedder and
the scripted chat model, on a tiny data folder."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from index.settings import IndexSettings
from tests.helpers.documents import PAPER_TITLE, paper_html, print_pdf, tiny_seeds

QUESTION = "After how many training steps does the gating network of Zephyr routing converge?"
REPLY = "The gating network of Zephyr routing converges after 1200 training steps on a single processor."


@pytest.mark.slow
def test_add_ask_remove_ask_round_trip(tmp_path, minilm):
    pdf = print_pdf(paper_html(), tmp_path / "zephyr.pdf")
    settings = Settings(index=IndexSettings(data_dir=tmp_path / "data", seeds_dir=tiny_seeds(tmp_path / "seeds")))
    a = Assistant(settings, chat_model=ScriptedChatModel([REPLY]), embedder=minilm)
    before = a.ask(QUESTION)
    assert before.abstained and not any(c.title == PAPER_TITLE for c in before.citations)

    report = a.add_documents([pdf])
    assert [f.status for f in report.files] == ["added"] and report.files[0].pages == 3
    hits = a.retrieve("Zephyr routing gating network convergence", k=3)
    assert hits[0].title == PAPER_TITLE and hits[0].dense_score is not None and hits[0].dense_score > 0.4
    answer = a.ask(QUESTION)
    assert answer.route == "generated" and "1200" in answer.text
    cited = answer.citations[0]
    assert (cited.title, cited.source, cited.page) == (PAPER_TITLE, "zephyr.pdf", 2) and "1200" in cited.quote
    record = a.ask(f"Who wrote {PAPER_TITLE}?")
    assert record.route == "record:authors" and "Jane Doe, Stéphane Müller and Ann Lee" in record.text

    # A fresh process sees the same index (the registry and the manifest are on disk).
    again = Assistant(settings, chat_model=ScriptedChatModel([REPLY]), embedder=minilm)
    assert again.build_report is not None and again.build_report.noop
    assert again.ask(QUESTION).citations[0].page == 2

    removed = a.remove_document(str(pdf))
    assert removed.status == "removed" and a.documents() == []
    after = a.ask(QUESTION)
    assert after.abstained and not any(c.title == PAPER_TITLE for c in after.citations)
    assert all(p.title != PAPER_TITLE for p in a.retrieve("Zephyr routing gating network convergence", k=5))
