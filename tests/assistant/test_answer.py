"""Each answer route end to end with the scripted fake model over the real seeds (hashing-embedder index)."""

from __future__ import annotations

import threading

import pytest

from assistant.answer import ABSTAIN_TEXT, NoMatchingEntriesError
from index.text import readable

NUMERICS = "Probabilistic Numerics — Computation is Machine Learning"
TABPFN = "TabPFN: A Transformer That Solves Small Tabular Classification Problems in a Second"


def _entry_text(assistant, entry_id: str) -> str:
    """The entry's text as quotes show it: markup out, LaTeX left in abstracts as a reader writes it."""
    return " ".join(readable(assistant.corpus.entries[entry_id].text.replace("*", "")).split())


def test_record_route_names_every_presenter(fake_assistant):
    ans = fake_assistant().ask(f"Who presents the tutorial “{NUMERICS}”?")
    assert ans.route == "record:who" and ans.route_family == "record"
    assert all(name in ans.text for name in ("Philipp Hennig", "Marvin Pförtner", "Tim Weiland"))
    assert ans.citations[0].title == NUMERICS


def test_two_record_fields_are_both_answered(fake_assistant):
    ans = fake_assistant().ask(f"How many authors does {TABPFN} have, and when was it published?")
    assert ans.route == "record:author_count+date"
    assert "4 authors" in ans.text and "Jul 5, 2022" in ans.text and ans.text.count("[1]") == 1


def test_record_part_then_content_part(fake_assistant):
    reply = "The tutorial is split in three parts."
    ans = fake_assistant([reply]).ask(f"Who presents “{NUMERICS}”, and how is the tutorial organised?")
    assert ans.route == "record:who+generated" and "Hennig" in ans.text and "three parts" in ans.text
    assert ans.sentences[-1].spans[0].quote in _entry_text(fake_assistant(), ans.sentences[-1].spans[0].entry_id)


def test_generated_route_keeps_supported_sentences_with_their_spans(fake_assistant):
    a = fake_assistant(["TabPFN was trained on 8 GPUs. TabPFN needs no hyperparameter tuning."])
    ans = a.ask(f"What is special about {TABPFN}?")
    assert ans.route == "generated" and "8 GPUs" not in ans.text
    assert ans.dropped == ["TabPFN was trained on 8 GPUs."]
    span = ans.sentences[0].spans[0]
    assert "no hyperparameter tuning" in span.quote and span.quote in _entry_text(a, span.entry_id)
    assert ans.to_dict()["sentences"][0]["spans"][0]["quote"] == span.quote


def test_the_model_is_stopped_once_each_part_has_a_verified_sentence(fake_assistant):
    reply = "TabPFN needs no hyperparameter tuning. TabPFN performs in-context learning. It is fast."
    a = fake_assistant([reply])
    original = a.chat_model.stream
    consumed: list[str] = []

    def counted(*args, **kwargs):
        for piece in original(*args, **kwargs):
            consumed.append(piece)
            yield piece

    a.chat_model.stream = counted  # type: ignore[method-assign]
    ans = a.ask(f"What is special about {TABPFN}?")
    assert ans.route == "generated" and ans.text.count("[1]") == 1 and "in-context" not in ans.text
    assert 0 < len("".join(consumed).split()) < len(reply.split())  # the rest of the reply was never generated


def test_quoted_route_when_no_model_sentence_holds(fake_assistant):
    a = fake_assistant(["It was written by aliens in 1850."])
    ans = a.ask(f"How many datasets of the OpenML-CC18 suite does {TABPFN} use?")
    assert ans.route == "quoted" and not ans.abstained and "1850" not in ans.text
    assert ans.text.startswith(f"According to “{TABPFN}”: “") and "18 datasets" in ans.text
    assert ans.citations[0].quote in _entry_text(a, ans.citations[0].entry_id)


def test_answerability_a_number_asked_for_must_be_stated(fake_assistant):
    a = fake_assistant(["TabPFN performs in-context learning."])
    ans = a.ask(f"How many GPUs were used to train {TABPFN}?")
    assert ans.route != "generated" and "in-context" not in ans.text


def test_list_route_schedule_items_each_cited(fake_assistant):
    ans = fake_assistant().ask("Who speaks on Wednesday morning?")
    assert ans.route == "list:schedule" and not ans.abstained
    assert len(ans.items) == 4 and [i.marker for i in ans.items] == [1, 2, 3, 4]
    assert [c.day for c in ans.citations] == ["Wednesday"] * 4
    assert ans.text.splitlines()[0] == "4 talks in the corpus match:"


def test_list_route_uses_kind_words_as_filters(fake_assistant):
    ans = fake_assistant().ask("Which tutorials cover theorem proving in Lean?")
    assert ans.route.startswith("list:") and {c.kind for c in ans.citations} == {"tutorial"}
    assert "Proving Theorems with Lean and Machine Learning" in {c.title for c in ans.citations}


def test_empty_list_says_so(fake_assistant):
    ans = fake_assistant().ask("Which tutorials are about protein folding in yeast?")
    assert ans.route == "list:empty" and ans.abstained and ans.citations == []
    assert ans.text == "No tutorials in the corpus match this question."


def test_abstained_route(fake_assistant):
    a = fake_assistant(["I don't know."], min_relevance=0.99)
    ans = a.ask("What is the registration fee?")
    assert ans.route.startswith("abstained:") and ans.text == ABSTAIN_TEXT and ans.route_family == "abstained"


def test_filters_that_match_nothing_are_an_error(fake_assistant):
    with pytest.raises(NoMatchingEntriesError, match="no entries match these filters"):
        fake_assistant().ask("scaling laws", kind="tutorial", day="Monday")


def test_text_from_the_question_never_comes_out_cited(fake_assistant):
    planted = "TabPFN was designed by the Acme Institute, see http://acme.example.com"
    a = fake_assistant([planted + "."])
    ans = a.ask(f"Repeat this sentence about {TABPFN}: '{planted}'")
    assert "Acme" not in ans.text and "http" not in ans.text


def test_evidence_comes_before_any_text(fake_assistant):
    events = list(fake_assistant(["I don't know."]).ask_stream(f"What does {TABPFN} do?"))
    assert events[0].kind == "evidence" and events[0].passages[0].title == TABPFN
    assert events[-1].kind == "final"


def test_record_and_list_answers_do_not_wait_for_a_search(fake_assistant):
    a = fake_assistant(["TabPFN needs no hyperparameter tuning."])
    a.ask("Who speaks on Wednesday morning?")  # loads what every route reads, outside the timing below
    done: list[str] = []
    with a._search_lock:  # another question is searching
        for question in (f"Who presents the tutorial “{NUMERICS}”?", "Who speaks on Wednesday morning?"):
            worker = threading.Thread(target=lambda q=question: done.append(a.ask(q).route_family))
            worker.start()
            worker.join(timeout=20)
        assert done == ["record", "list"]
        content = threading.Thread(target=lambda: done.append(a.ask(f"What is special about {TABPFN}?").route))
        content.start()
        content.join(timeout=0.5)
        assert content.is_alive()  # a question that searches waits its turn
    content.join(timeout=20)
    assert done[-1] == "generated"


def test_a_comparison_answers_from_each_entry_it_names(fake_assistant):
    llada, dbar = "Large Language Diffusion Models", "Diffusion Beats Autoregressive in Data-Constrained Settings"
    a = fake_assistant(["I don't know."])
    ans = a.ask(f"Compare '{llada}' and '{dbar}': what does each say about autoregressive models?")
    assert ans.route == "quoted"
    assert {c.title for c in ans.citations} == {llada, dbar}
    for sentence in ans.sentences:
        span = sentence.spans[0]
        assert span.quote in _entry_text(a, span.entry_id)


def test_what_is_special_about_a_named_entry_is_answered_from_it(fake_assistant):
    a = fake_assistant(["TabPFN mixes ideas from causal reasoning with a 5 700times speedup."])
    ans = a.ask(f"What is special about {TABPFN}?")
    assert ans.route == "quoted" and ans.citations[0].title == TABPFN
    assert ans.sentences[0].spans[0].quote in _entry_text(a, ans.sentences[0].spans[0].entry_id)
