"""The model step's helpers: sentences cut from a stream, sources for the prompt, and when a span answers."""

from __future__ import annotations

from assistant.generate import answers_topic, stream_sentences
from assistant.intent import read_intent
from index.entries import Entry

ENTRY = Entry(
    id="p",
    kind="paper",
    title="Trends in AI Supercomputers",
    text="Frontier AI development relies on powerful AI supercomputers. We create a dataset of 500 AI supercomputers "
    "from 2019 to 2025. Power requirements doubled every year.",
)


def test_streamed_text_is_cut_into_sentences_but_not_after_abbreviations() -> None:
    pieces = iter(["The Dr. Kernel paper", " proposes KernelGYM. It ", "works, e.g. on ", "Triton. Done."])
    assert list(stream_sentences(pieces)) == [
        "The Dr. Kernel paper proposes KernelGYM.",
        "It works, e.g. on Triton.",
        "Done.",
    ]


def test_a_span_answers_when_it_has_the_value_and_the_words_asked_for() -> None:
    intent = read_intent("How many AI supercomputers does the dataset cover, and over which years?")
    assert answers_topic(intent, ENTRY, "We create a dataset of 500 AI supercomputers from 2019 to 2025.")
    assert not answers_topic(intent, ENTRY, "Frontier AI development relies on powerful AI supercomputers.")


def test_a_question_about_what_the_entry_never_mentions_is_not_answered_by_it() -> None:
    intent = read_intent("Which cooling system and what electricity price did the supercomputers use?")
    assert not answers_topic(intent, ENTRY, "Power requirements doubled every year.")


def test_the_quote_widens_to_the_sentence_after_the_one_matching_the_description() -> None:
    from assistant.evidence import EntryEvidence
    from assistant.generate import _widened

    sentences = ["The classic unit oversimplifies real neurons.", "We suggest reimagining neurons as controllers."]
    ev = EntryEvidence(ENTRY, sentences, [0.9, 0.2], 0)
    spans = _widened(ev, ev.best_span())
    assert [s.text for s in spans] == [sentences[0], " ".join(sentences)]
