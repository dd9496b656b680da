"""Choosing the span to quote, on hand-made entries: when a span answers, which span answers best."""

from __future__ import annotations

from assistant.evidence import EntryEvidence, entry_sentences
from assistant.intent import read_intent
from assistant.quotes import answers_topic, choose_quote
from index.entries import Entry
from tests.helpers.entries import SUPERCOMPUTERS

ENTRY = SUPERCOMPUTERS


def test_a_span_answers_when_it_has_the_value_and_the_words_asked_for() -> None:
    intent = read_intent("How many AI supercomputers does the dataset cover, and over which years?")
    assert answers_topic(intent, ENTRY, "We create a dataset of 500 AI supercomputers from 2019 to 2025.")
    assert not answers_topic(intent, ENTRY, "Frontier AI development relies on powerful AI supercomputers.")


def test_a_question_about_what_the_entry_never_mentions_is_not_answered_by_it() -> None:
    intent = read_intent("Which cooling system and what electricity price did the supercomputers use?")
    assert not answers_topic(intent, ENTRY, "Power requirements doubled every year.")


def test_the_quote_widens_to_the_sentence_after_the_one_matching_the_description() -> None:
    from assistant.quotes import _widened

    sentences = ["The classic unit oversimplifies real neurons.", "We suggest reimagining neurons as controllers."]
    ev = EntryEvidence(ENTRY, sentences, [0.9, 0.2], 0)
    spans = _widened(ev, ev.best_span())
    assert [s.text for s in spans] == [sentences[0], " ".join(sentences)]


def test_the_quote_is_the_answering_span_that_carries_most_of_what_is_asked() -> None:

    entry = Entry(
        id="perm",
        kind="paper",
        title="The Impossibility of Inverse Permutation Learning in Transformer Models",
        text="We study a task where the model recovers a string from a permuted one. "
        "This task models a natural robustness property of reasoning. "
        "We show that simply padding the input with scratch tokens makes the task learnable.",
    )
    question = (
        "A note proves that transformers cannot recover a string from a permuted one. "
        "What simple change to the input makes the task learnable?"
    )
    assert "scratch tokens" in _quoted(entry, question, [0.9, 0.85, 0.8])


def _evidence(entry: Entry, scores: list[float]) -> EntryEvidence:
    """The entry's sentences, scored as given."""
    return EntryEvidence(entry, entry_sentences(entry), scores, 0)


def _quoted(entry: Entry, question: str, scores: list[float]) -> str:
    """The text quoted for the question from the entry whose sentences score as given ("" when none answers)."""
    quoted = choose_quote(question, read_intent(question), [_evidence(entry, scores)])
    return "" if quoted is None else quoted[1].text


def test_asked_for_members_the_quote_is_the_span_that_names_them_not_the_one_pointing_at_them() -> None:

    entry = Entry(
        id="graphs",
        kind="paper",
        title="Sparse Message Passing for Road Networks",
        text="We study message passing on sparse road graphs. "
        "Since no public suite fits, we assemble two benchmarks from city maps: Metroville and Harborline. "
        "Experiments on these benchmarks confirm that the method is robust.",
    )
    question = "sparse message passing road networks: what benchmarks"
    assert "Metroville" in _quoted(entry, question, [0.5, 0.7, 0.9])


def test_a_word_built_on_a_title_word_is_a_new_name_that_the_quote_must_carry() -> None:
    from assistant.quotes import beyond_named

    entry = Entry(id="k", kind="paper", title="Fast Kernel Search with Learned Classifiers", text="")
    assert beyond_named(["kernelzoo", "kernel"], entry) == ["kernelzoo"]
    assert beyond_named(["classifi", "search"], entry) == []  # one word's forms: "classifies" and "classifiers"


def test_an_affiliation_by_its_initials_names_the_entry_rather_than_asking_something_of_it() -> None:
    from assistant.quotes import beyond_named

    talk = Entry(
        id="t", kind="talk", title="Codes", speaker="Ada Quill", affiliation="Northern Lakes University", text=""
    )
    assert beyond_named(["ada", "quill", "nlu", "sparsiti"], talk) == ["sparsiti"]


def test_a_measure_stated_once_in_the_entry_answers_a_question_worded_otherwise() -> None:

    entry = Entry(
        id="mesh",
        kind="paper",
        title="WingMesh: Agentic Meshing",
        text="WingMesh meshes aircraft parts with agents. Building one wing mesh takes about 3.5 hours. "
        "It beats hand-made meshes on 4 of 5 cases.",
    )
    question = "How long does WingMesh need to produce a single mesh?"
    assert "3.5 hours" in _quoted(entry, question, [0.9, 0.5, 0.6])


def test_a_quoted_count_of_items_runs_on_through_the_items_it_announces() -> None:
    from assistant.quotes import _enumeration_completed

    entry = Entry(id="r", kind="paper", title="Routers", text="")
    sentences = [
        "We propose a router.",
        "We test it on two tasks that differ in scale.",
        "First, city traffic on Metroville.",
        "Second, harbour logistics.",
        "Code is public.",
    ]
    ev = EntryEvidence(entry, sentences, [0.5] * 5, 0)
    assert _enumeration_completed(ev, ev.span_of([0, 1])).sentences == tuple(sentences[1:4])
    assert _enumeration_completed(ev, ev.span_of([3, 4])).sentences == tuple(sentences[3:5])


def _quoted_yes_no(entry: Entry, question: str, scores: list[float]) -> str:
    quoted = choose_quote(question, read_intent(question), [_evidence(entry, scores)], yes_no=True, about_named=True)
    return "" if quoted is None else quoted[1].text


_SOLVER = Entry(
    id="solver",
    kind="paper",
    title="Harbor: an agent loop for compiler tuning",
    text="Tuning compilers by hand is slow. "
    "Harbor needs a Planner and a Critic over many rounds. "
    "It is released under an open licence. "
    "We propose Harbor, a learning-free loop for tuning compiler flags.",
)


def test_a_yes_no_question_in_other_words_gets_the_close_sentence_that_says_yes_or_no() -> None:
    # No sentence carries two of the asked words, so no span answers by words; of the close ones carrying one,
    # the one that says no is quoted, not the closest.
    quoted = _quoted_yes_no(_SOLVER, "does Harbor need any model learning?", [0.2, 0.7, 0.1, 0.65])
    assert quoted == "We propose Harbor, a learning-free loop for tuning compiler flags."


def test_a_yes_no_question_gets_no_close_sentence_that_lacks_every_asked_word_or_the_asked_value() -> None:
    assert _quoted_yes_no(_SOLVER, "does Harbor need a GPU cluster?", [0.2, 0.7, 0.1, 0.65]) == ""
    assert _quoted_yes_no(_SOLVER, "does Harbor say how many rounds it runs?", [0.2, 0.7, 0.1, 0.65]) == ""
    # Only for yes/no questions: any other question about the same words is not answered by closeness alone.
    question = "what learning does Harbor need?"
    assert choose_quote(question, read_intent(question), [_evidence(_SOLVER, [0.2, 0.7, 0.1, 0.65])]) is None


def test_hyphenated_words_count_by_their_parts_in_titles_and_spans() -> None:
    entry = Entry(
        id="olymp",
        kind="paper",
        title="Archimedes: IMO-level automated geometry",
        text="Archimedes reaches gold-medal-equivalent scores on olympiad geometry. It is written in Lean.",
    )
    # "imo" names the entry (its title says "IMO-level"); "gold" is what the keyword query adds, said inside a
    # hyphenated word of the span.
    assert "gold-medal-equivalent" in _quoted(entry, "archimedes imo gold", [0.8, 0.2])


def test_of_spans_carrying_as_much_of_a_yes_no_question_the_one_that_says_yes_or_no_is_quoted() -> None:
    entry = Entry(
        id="dec",
        kind="paper",
        title="Limits of shallow decoders",
        text="We study whether decoders learn to sort lists. "
        "Padding helps in practice. "
        "We prove that no decoder can learn to sort lists at any depth.",
    )
    question = "Does the paper show that a deep enough decoder can learn to sort lists?"
    evidence = [_evidence(entry, [0.9, 0.1, 0.7])]
    yes_no = choose_quote(question, read_intent(question), evidence, yes_no=True)
    assert yes_no is not None and yes_no[1].text.startswith("We prove that no decoder")
    other = choose_quote(question, read_intent(question), evidence)
    assert other is not None and other[1].text.startswith("We study whether")
