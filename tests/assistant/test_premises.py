"""What a question states about an entry, checked against the entry's record (hand-made entries)."""

from __future__ import annotations

from assistant.premises import (
    affirmed,
    checks_record,
    contradicted,
    correction,
    denied,
    stated,
)
from index.entries import Entry

TALK = Entry(
    id="t1",
    kind="talk",
    title="Sparse coding in the visual cortex",
    speaker="Ada Quill",
    affiliation="University of Somewhere",
    day="Wednesday",
    time="9:20 am",
    text="We show that sparse codes emerge from local learning rules. The model uses gold-standard recordings.",
)
TUTORIAL = Entry(id="u1", kind="tutorial", title="Kernels for everyone", presenters=["Bo Lind", "Cy Moss", "Di Ward"])
NAMES = frozenset({"ada", "quill", "somewhere", "oxbridge", "bo", "lind", "cy", "moss"})


def test_a_day_or_time_the_record_does_not_have_is_contradicted() -> None:
    assert contradicted(stated("When is Ada Quill's talk on Tuesday?", NAMES), [TALK], "") == ["not on Tuesday"]
    assert contradicted(stated("Is Ada Quill's talk at 4:20 pm?", NAMES), [TALK], "") == ["not at 4:20 pm"]
    assert contradicted(stated("Is Ada Quill's talk on Wednesday at 9:20 am?", NAMES), [TALK], "") == []


def test_an_affiliation_is_checked_only_against_corpus_names_written_as_names() -> None:
    assert contradicted(stated("Is Ada Quill from Oxbridge?", NAMES), [TALK], "") == ["not Oxbridge"]
    assert contradicted(stated("is ada quill from somewhere", NAMES), [TALK], "") == []
    # A corpus name word used as an ordinary lower-case word in a normally written question states nothing.
    assert stated("I'm new to this. Where is she from somewhere?", NAMES).names == ()


def test_a_stated_people_count_is_checked() -> None:
    premise = stated("Who are the two presenters of the kernels tutorial?", NAMES)
    assert premise.count == (2, 2, "two presenters")
    assert contradicted(premise, [TUTORIAL], "") == ["not 2 presenters"]
    assert contradicted(stated("the three presenters of the kernels tutorial", NAMES), [TUTORIAL], "") == []


def test_a_stated_bound_on_the_people_count_is_checked_as_a_bound() -> None:
    # The tutorial has three presenters.
    assert contradicted(
        stated("Does the kernels tutorial have more than three presenters?", NAMES), [TUTORIAL], ""
    ) == ["not more than three presenters"]
    assert contradicted(stated("Does the kernels tutorial have at least two presenters?", NAMES), [TUTORIAL], "") == []
    assert contradicted(stated("is the kernels tutorial run by fewer than 4 presenters", NAMES), [TUTORIAL], "") == []


def test_the_correction_leads_the_record_answer() -> None:
    assert correction(["not on Tuesday", "not at 4:20 pm"]) == "Not on Tuesday; not at 4:20 pm:"


def test_a_span_affirms_when_it_carries_what_the_question_adds_to_the_entry() -> None:
    assert affirmed(
        ("spars", "code", "local", "rule"), TALK, "We show that sparse codes emerge from local learning rules."
    )
    assert not affirmed(
        ("spike", "time", "plastic"), TALK, "We show that sparse codes emerge from local learning rules."
    )
    # Hyphenated words count by their parts.
    assert affirmed(("gold", "standard"), TALK, "The model uses gold-standard recordings.")


def test_a_span_that_negates_what_is_asked_does_not_affirm_it() -> None:
    entry = Entry(id="p", kind="paper", title="A kernel agent", text="The agent is training-free. It beats baselines.")
    assert not affirmed(("need", "train"), entry, "The agent is training-free.")
    assert not affirmed(("human", "level"), entry, "Its scores are significantly below human level.")
    assert affirmed(("beat", "baselin"), entry, "It beats baselines.")
    # Asked in the span's own polarity, the question is affirmed, not denied.
    assert affirmed(("train", "free"), entry, "The agent is training-free.", "Is the agent training-free?")


def test_a_span_denies_by_contrary_polarity_or_another_value_of_the_asked_measure() -> None:
    entry = Entry(
        id="p", kind="paper", title="A kernel agent", text="The agent is training-free. It uses a 4-stage loop."
    )
    assert denied(("need", "train"), "Does the agent need training?", entry, "The agent is training-free.")
    assert not denied(("train", "free"), "Is the agent training-free?", entry, "The agent is training-free.")
    assert denied(("stage", "loop"), "Does it use a 6-stage loop?", entry, "It uses a 4-stage loop.")
    assert not denied(("stage", "loop"), "Does it use a 4-stage loop?", entry, "It uses a 4-stage loop.")


def test_a_span_with_one_sentence_affirming_and_one_contrasting_does_not_deny() -> None:
    entry = Entry(id="p", kind="paper", title="Routing nets", text="")
    span = "Our model routes tokens using attention. Unlike earlier work, it does not use attention to mix states."
    assert not denied(("use", "attent"), "Does it use attention?", entry, span)
    assert affirmed(("use", "attent"), entry, span, "Does it use attention?")
    assert denied(("use", "attent"), "Does it use attention?", entry, "It does not use attention to mix states.")


def test_an_institution_the_corpus_does_not_know_is_stated_and_contradicted_as_one_name() -> None:
    premise = stated("Is Ada Quill with the University of Nowhere Else?", NAMES)
    assert "Nowhere" in premise.names and premise.organisations
    assert contradicted(premise, [TALK], "") == ["not Nowhere Else"]
    assert contradicted(stated("is ada quill at the university of somewhere", NAMES), [TALK], "") == []


def test_a_name_the_entrys_own_text_mentions_is_no_contradiction() -> None:
    entry = Entry(id="t2", kind="talk", title="T", speaker="Ada Quill", text="Joint work with Cy Moss.")
    assert contradicted(stated("Did Ada Quill work with Cy Moss on it?", NAMES), [entry], "") == []
    names = NAMES | {"eve", "stone"}
    assert contradicted(stated("Did Ada Quill work with Eve Stone on it?", names), [entry], "") == ["not Eve Stone"]


def test_a_premise_checks_the_record_when_it_states_more_than_the_entrys_people() -> None:
    assert checks_record(stated("Is Ada Quill from Oxbridge?", NAMES), TALK)
    assert checks_record(stated("What does Ada Quill say on Monday?", NAMES), TALK)
    assert not checks_record(stated("What does Ada Quill say about sparse codes?", NAMES), TALK)


def test_an_institution_given_by_its_initials_is_checked_against_the_record_initials_included() -> None:
    from assistant.premises import contradicted, stated

    talk = Entry(id="t", kind="talk", title="Codes", speaker="Ada Quill", affiliation="Northern Lakes University")
    assert contradicted(stated("What did Ada Quill from NLU present?", ()), [talk], "") == []
    assert contradicted(stated("What is ETHZ's Ada Quill presenting?", ()), [talk], "") == ["not ETHZ"]
    assert stated("Ada Quill talks about GPU kernels at the symposium", ()).names == ()


def test_a_yes_no_question_naming_the_authors_and_a_reporting_verb_is_affirmed_by_the_finding() -> None:
    from assistant.intent import topic_words
    from assistant.premises import affirmed

    entry = Entry(id="p", kind="paper", title="Sparse Routers", text="Our routers scale to long inputs.")
    question = "Do the Sparse Routers authors report that their routers scale to long inputs?"
    assert affirmed(topic_words(question), entry, "Our routers scale to long inputs.", question)


def test_little_of_something_and_without_it_have_the_same_polarity() -> None:
    from assistant.intent import topic_words
    from assistant.premises import denied

    entry = Entry(
        id="b", kind="paper", title="Basic Graphs", text="It suits readers with little mathematical background."
    )
    question = "Is Basic Graphs meant for readers without much mathematical background?"
    assert not denied(topic_words(question), question, entry, entry.text)


def test_a_person_stated_as_presenting_is_checked_whether_or_not_the_corpus_knows_them() -> None:
    assert contradicted(stated("Is the kernels tutorial taught by Ed Vance?", NAMES), [TUTORIAL], "") == [
        "not Ed Vance"
    ]
    assert contradicted(stated("Is Ed Vance giving the kernels tutorial?", NAMES), [TUTORIAL], "") == ["not Ed Vance"]
    assert contradicted(stated("Is the kernels tutorial run by Cy Moss?", NAMES), [TUTORIAL], "") == []


def test_presenting_with_someone_states_two_or_more_presenters() -> None:
    solo = Entry(id="u2", kind="tutorial", title="Solo kernels", presenters=["Bo Lind"])
    question = "Is Bo Lind co-presenting the solo kernels tutorial with someone?"
    assert contradicted(stated(question, NAMES), [solo], "") != []
    assert contradicted(stated(question, NAMES), [TUTORIAL], "") == []


def test_a_part_of_the_day_or_a_clock_bound_is_checked_as_a_window() -> None:
    talk = Entry(id="t9", kind="talk", title="Sparse codes", speaker="Ada Quill", day="Tuesday", time="10:40 am")
    assert contradicted(stated("Is Ada Quill's talk in the afternoon?", NAMES), [talk], "") == ["not in the afternoon"]
    assert contradicted(stated("Does Ada Quill speak in the morning?", NAMES), [talk], "") == []
    assert contradicted(stated("Does Ada Quill speak before 11 am?", NAMES), [talk], "") == []
    assert contradicted(stated("Does Ada Quill speak before 10 am?", NAMES), [talk], "") == ["not before 10:00 am"]
    assert contradicted(stated("Does Ada Quill speak between 9 and 10:30?", NAMES), [talk], "") == [
        "not between 9:00 am and 10:30 am"
    ]


def test_an_affiliation_written_as_a_name_after_from_or_at_is_stated() -> None:
    premise = stated("What does Ada Quill from Grendel say about sparse codes?", NAMES)
    assert "Grendel" in premise.names
    assert contradicted(premise, [TALK], "") == ["not Grendel"]
    assert stated("What did Ada Quill say at the symposium on Monday?", NAMES).names == ("Ada", "Quill")


def test_initials_typed_in_lower_case_are_the_institution_they_abbreviate() -> None:
    talk = Entry(id="t8", kind="talk", title="Sparse codes", speaker="Ada Quill", affiliation="New York University")
    names = NAMES | {"nyu", "eth"}
    assert contradicted(stated("is ada quill frm nyu", names), [talk], "") == []
    assert contradicted(stated("is ada quill from eth", names), [talk], "") == ["not eth"]
