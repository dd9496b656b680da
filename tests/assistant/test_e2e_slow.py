"""End to end with the real embedded model (slow: model assembly on a fresh machine, ~5-15 s per answer)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.answer import ABSTAIN_TEXT
from assistant.api import Assistant
from assistant.llm import make_chat_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_assistant(real_index, minilm):
    models = Path(os.environ.get("ASSISTANT_TEST_MODELS_DIR", Path.home() / ".cache/research-assistant/models"))
    model = make_chat_model(real_index.llm, models)
    return Assistant(real_index, chat_model=model, embedder=minilm, sync_index=False)


def test_content_question_is_answered_and_cited(real_assistant):
    ans = real_assistant.ask("Which tutorial teaches how to write machine-checkable proofs?")
    assert not ans.abstained, ans.to_dict()
    assert "Lean" in ans.text
    assert ans.citations[0].title == "Proving Theorems with Lean and Machine Learning"


def test_unanswerable_question_abstains(real_assistant):
    ans = real_assistant.ask("What is the registration fee for the symposium?")
    assert ans.abstained and ans.text == ABSTAIN_TEXT and not ans.citations


def test_streams_then_cites(real_assistant):
    events = list(real_assistant.ask_stream("What is TabPFN?"))
    final = events[-1].answer
    assert events[-1].kind == "final" and not final.abstained
    assert "tabular" in final.text.lower() and final.citations[0].title.startswith("TabPFN")


def test_paraphrased_question_is_answered_from_a_span_not_abstained(real_assistant):
    ans = real_assistant.ask(
        "Which paper in the research library casts natural selection as a denoising process, concluding that a "
        "popular family of generative image models is really a population-based search method from biology?"
    )
    assert ans.route_family in ("generated", "quoted"), ans.to_dict()
    assert ans.citations[0].title == "Diffusion Models are Evolutionary Algorithms"
    entry_text = " ".join(real_assistant.corpus.entries[ans.citations[0].entry_id].text.split())
    assert all(span.quote in entry_text for s in ans.sentences for span in s.spans)


def test_list_question_lists_every_matching_talk(real_assistant):
    ans = real_assistant.ask("Which talks at the symposium are about in-context learning?")
    assert ans.route.startswith("list:") and {c.kind for c in ans.citations} == {"talk"}
    assert "Asymptotic theory of in-context learning by linear attention" in {c.title for c in ans.citations}


def test_a_sloppy_keyword_style_question_is_answered_and_names_its_source(real_assistant):
    ans = real_assistant.ask("tabpfn wat does it do w small tabular datasets")
    assert not ans.abstained, ans.to_dict()
    assert ans.citations[0].title.startswith("TabPFN")
    # The first sentence says which entry it comes from, not only the citation marker.
    assert "TabPFN" in ans.text.split("[1]")[0]


def test_a_follow_up_through_chat_with_the_real_model(real_assistant):
    first = real_assistant.ask("Who presents the tutorial on writing machine-checkable proofs in Lean?")
    follow = real_assistant.chat([first], "what library does it introduce?")
    assert not follow.abstained and "Mathlib" in follow.text
    assert follow.citations[0].title == "Proving Theorems with Lean and Machine Learning"
