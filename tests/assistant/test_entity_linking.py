"""Entity linking (``EntityLinker.link`` in assistant/entity_linking.py): which entries a question names outright, on a
small hand-made corpus. Behaviour only: who is named, by what, in what order, and what is left unlinked."""

from __future__ import annotations

import pytest

from assistant.entity_linking import EntityLinker, picks_among
from index.entries import Entry


def _talk(eid: str, title: str, speaker: str, day: str, time: str, **extra: str) -> Entry:
    return Entry(id=eid, kind="talk", title=title, speaker=speaker, day=day, time=time, **extra)


NEURON = _talk(
    "t1",
    "What does the neuron do? A new model for neuroscience and AI",
    "Mitya Chklovskii",
    "Wednesday",
    "4:20 pm",
    affiliation="Flatiron Institute",
    date="2024-10-02",
)
ROBOTS = _talk(
    "t2", "Learning to walk: robots that fall gracefully", "Aude Billard", "Wednesday", "9:00 am", affiliation="EPFL"
)
PROTEINS = _talk("t3", "Folding proteins with language models", "Jane Doe", "Thursday", "4:20 pm")
LEAN = Entry(
    id="u1",
    kind="tutorial",
    title="Theorem proving in Lean for machine learning researchers",
    presenters=["Ann Lee", "Stéphane Müller"],
)
PAPER = Entry(id="p1", kind="paper", title="Pointer Networks", authors=["Oriol Vinyals"])
CORPUS = [NEURON, ROBOTS, PROTEINS, LEAN, PAPER]


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(CORPUS)


def ids(entries: list[Entry]) -> list[str]:
    return [e.id for e in entries]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is Mitya Chklovskii's talk about?", ["t1"]),  # a speaker's full name
        ("When does Billard speak?", ["t2"]),  # a distinctive surname alone
        ("Which tutorial does Stéphane Müller give?", ["u1"]),  # one of several presenters, accents as written
        ("What did stephane muller present?", ["u1"]),  # accents and case ignored
        ("Who wrote Pointer Networks?", ["p1"]),  # a short title, named inline
        ("Who gives 'Theorem provng in Lean for machine-learning researchers'?", ["u1"]),  # a quoted title, misspelt
        ("Who speaks about learning to walk?", ["t2"]),  # a title's head before its colon
        ("Which talks are from EPFL?", ["t2"]),  # an affiliation
    ],
)
def test_a_question_naming_an_entry_links_to_it(linker: EntityLinker, question: str, expected: list[str]) -> None:
    assert ids(linker.link(question)) == expected


def test_a_day_and_time_link_to_the_talks_in_that_slot(linker: EntityLinker) -> None:
    assert ids(linker.link("Who talks at 4:20 pm on Wednesday?")) == ["t1"]
    # several talks come in the order the corpus lists them (the seed agendas list them in schedule order)
    assert ids(linker.link("Who talks at 4.20pm?")) == ["t1", "t3"]  # that time on every day
    assert ids(linker.link("Which talks are on Wednesday?")) == ["t1", "t2"]  # the day's talks
    assert ids(linker.link("Who speaks on 2 October?")) == ["t1", "t2"]  # a date, through the weekday it falls on


def test_a_day_alone_without_asking_for_talks_links_nothing(linker: EntityLinker) -> None:
    assert linker.link("Is Wednesday a good day for a walk?") == []


def test_questions_that_name_nothing_link_nothing(linker: EntityLinker) -> None:
    assert linker.link("What are scaling laws?") == []
    assert linker.link("Does anyone study walking robots?") == []  # a topic is not a title
    assert linker.link("When does billard speak?") == []  # a surname alone must be written as a name


def test_follow_ups_resolve_to_the_entries_in_focus(linker: EntityLinker) -> None:
    assert ids(linker.link("And who else spoke that day?", focus=[NEURON])) == ["t1", "t2"]
    assert ids(linker.link("What is it about?", focus=[PROTEINS])) == ["t3"]
    assert linker.link("What is it about?") == []  # no focus, nothing to resolve to


def test_an_entry_named_twice_is_linked_once_most_specific_first(linker: EntityLinker) -> None:
    found = linker.link("Is Mitya Chklovskii's talk at 4:20 pm on Wednesday?")
    assert ids(found) == ["t1"]
    both = linker.link("Does Jane Doe speak after Aude Billard?")
    assert sorted(ids(both)) == ["t2", "t3"]


def test_link_returns_a_fresh_list_each_time(linker: EntityLinker) -> None:
    first = linker.link("What is Mitya Chklovskii's talk about?")
    first.clear()
    assert ids(linker.link("What is Mitya Chklovskii's talk about?")) == ["t1"]


def test_a_coined_name_in_one_title_names_that_entry_in_any_case() -> None:
    coined = Entry(id="p2", kind="paper", title="GraphWeaver: weaving graphs", authors=["A B"])
    shared = Entry(id="p3", kind="paper", title="Net4 for vision", authors=["C D"])
    again = Entry(id="p4", kind="paper", title="Net4 for audio", authors=["E F"])
    linker = EntityLinker([*CORPUS, coined, shared, again])
    assert [e.id for e in linker.by_coined_name("does graphweaver need labels?")] == ["p2"]
    assert linker.by_coined_name("what does Net4 do?") == []  # in two titles: names neither
    assert linker.by_coined_name("pointer networks") == []


@pytest.mark.parametrize(
    ("question", "picks"),
    [
        ("which of those is on Friday?", True),
        ("and the one that covers proofs?", True),
        ("which ones have slides?", True),
        ("what is it about?", False),
        ("who else spoke that day?", False),
    ],
)
def test_a_follow_up_picking_among_the_previous_entries(question: str, picks: bool) -> None:
    assert picks_among(question) is picks


def test_a_title_head_followed_by_a_version_number_names_a_successor_not_the_entry() -> None:
    from assistant.entity_linking import EntityLinker

    entry = Entry(id="f", kind="paper", title="QuickNorm: Faster Normalisation for Deep Networks", text="")
    linker = EntityLinker([entry])
    assert linker.link("QuickNorm memory use") == [entry]
    assert linker.link("is it faster than QuickNorm-2?") == []
    assert linker.link("QuickNorm-7B results") == [entry]  # a model size of the entry's own method


def test_the_most_specific_title_wins_and_a_head_may_be_named_in_other_order() -> None:
    short = Entry(id="s", kind="paper", title="Graph Rewiring: Fast and Slow", text="")
    longer = Entry(id="l", kind="paper", title="Graph Rewiring with Spectral Gaps: A Study of Over-squashing", text="")
    linker = EntityLinker([short, longer])
    # The short head is written whole, the longer one's words in another order: the longer one is meant.
    assert linker.link("in the spectral gaps graph rewiring study, which gap is best?") == [longer]
    assert linker.link("what does Graph Rewiring: Fast and Slow propose?") == [short]
    assert linker.link("what is graph rewiring good for?") == [short]


def test_a_coined_name_only_one_entry_uses_and_repeats_names_it() -> None:
    ours = Entry(
        id="o", kind="paper", title="Order-free ids for recommenders", text="We propose SETRec. SETRec is fast."
    )
    other = Entry(id="x", kind="paper", title="Pruning", text="We test on ImageNet and report SparseGPT numbers.")
    linker = EntityLinker([ours, other])
    assert linker.by_own_name("which paper proposes setrec?") == [ours]
    # A name used once in passing (a dataset, a baseline) names nothing.
    assert linker.by_own_name("results on ImageNet") == [] and linker.by_own_name("SparseGPT") == []


def test_a_short_fragment_in_a_conversation_is_about_the_previous_answers_entry() -> None:
    linker = EntityLinker(CORPUS)
    assert linker.link("what model sizes?", [PAPER]) == [PAPER]
    assert linker.link("what about knot theory?", [PAPER]) == []
    assert linker.link("what model sizes?") == []
