"""Checks of what a question assumes, on hand-made entries: counts the entry gives otherwise, values it states
differently, the wrong person's talk, record premises."""

from __future__ import annotations

from assistant.intent import read_intent
from assistant.premise_checks import checked_premise, count_premise, other_speaker, other_value
from index.entries import Entry

COURSE = Entry(id="c", kind="tutorial", title="Kernels", presenters=["Bo Lind"], text="It runs in two blocks.")
TALK = Entry(
    id="t",
    kind="talk",
    title="Sparse codes",
    speaker="Ada Quill",
    affiliation="Oxbridge",
    day="Monday",
    time="9:00 am",
    text="Sparse codes emerge from local rules in the visual cortex.",
)


def test_a_count_the_entry_gives_otherwise_is_found_in_the_named_entry() -> None:
    assert count_premise("What is in the three blocks?", [COURSE], []) == (COURSE, "three blocks", COURSE.text)
    assert count_premise("What is in the two blocks?", [COURSE], []) is None


def test_another_value_of_the_same_measure() -> None:
    entry = Entry(id="p", kind="paper", title="Nets", text="We train a 3-layer network.")
    assert other_value(["5-layer"], [entry])
    assert not other_value(["5-layer", "FooBench"], [entry])


def test_a_record_premise_names_what_is_wrong_and_whether_only_the_record_is_asked() -> None:
    names = frozenset({"ada", "quill", "oxbridge"})
    question = "Is Ada Quill speaking on Friday?"
    entry, wrong, record_only = checked_premise(question, read_intent(question), [TALK], names)
    assert entry is TALK and wrong == ["not on Friday"] and record_only
    intent = read_intent("What does Ada Quill say about sparse codes on Friday?")
    assert checked_premise("What does Ada Quill say about sparse codes on Friday?", intent, [TALK], names)[2] is False


def test_a_topic_in_the_named_persons_own_abstract_is_no_wrong_person() -> None:
    other = Entry(id="o", kind="talk", title="Graph rewiring", speaker="Cy Moss", text="Rewiring graphs helps.")
    similarity = {"t": 0.2, "o": 0.9}
    mine = read_intent("What does Ada Quill say about sparse codes in the cortex?")
    assert other_speaker(mine, TALK, [TALK, other], lambda text, pool: similarity, 0.45) is None
    theirs = read_intent("What does Ada Quill say about rewiring graphs for message passing?")
    assert other_speaker(theirs, TALK, [TALK, other], lambda text, pool: similarity, 0.45) is other


PAPER = Entry(
    id="p2",
    kind="paper",
    title="Sparse Routing for Mixtures",
    authors_count=3,
    date="Mar 4, 2021",
    text="We route tokens to experts sparsely.",
)


def test_a_papers_record_checks_its_author_count_and_year_and_nothing_else() -> None:
    for question, wrong in [
        ("Does the Sparse Routing for Mixtures paper have six authors?", ["not 6 authors"]),
        ("Is Sparse Routing for Mixtures a three-author paper from 2021?", []),
        ("Was Sparse Routing for Mixtures released in 2019?", ["not 2019"]),
        ("Does Sparse Routing for Mixtures have at least two authors?", []),
        ("Does Sparse Routing for Mixtures have more than three authors?", ["not more than three authors"]),
    ]:
        entry, found, record_only = checked_premise(question, read_intent(question), [PAPER], frozenset())
        assert entry is PAPER and found == wrong and record_only, question
    content = "What does the two-author Sparse Routing for Mixtures paper route to experts?"
    entry, found, record_only = checked_premise(content, read_intent(content), [PAPER], frozenset())
    assert found == ["not 2 authors"] and not record_only
    # A weekday or a person says nothing of a paper's record.
    assert (
        checked_premise("Is Sparse Routing for Mixtures by Ada Quill on Monday?", read_intent("x"), [PAPER], {"ada"})
        is None
    )


def test_a_talk_without_an_abstract_is_never_the_wrong_person_for_a_topic() -> None:
    tbd = Entry(id="x", kind="talk", title="TBD — Ada Quill", speaker="Ada Quill", text="")
    other = Entry(id="o", kind="talk", title="Graph rewiring", speaker="Cy Moss", text="Rewiring graphs helps.")
    intent = read_intent("Is Ada Quill's talk about rewiring graphs for message passing?")
    assert other_speaker(intent, tbd, [tbd, other], lambda text, pool: {"x": 0.1, "o": 0.9}, 0.45) is None
