"""Record answers on hand-made talks: which of the linked entries a question is about."""

from __future__ import annotations

from assistant.record_answers import answer_from_metadata
from index.entries import Entry


def _talk(n: int, speaker: str, time: str, day: str = "Tuesday") -> Entry:
    return Entry(
        id=f"t{n}", kind="talk", title=f"Talk {n}", speaker=speaker, affiliation=f"Uni {n}", day=day, time=time
    )


TUESDAY = [
    _talk(1, "Qin Li", "10:40 am"),
    _talk(2, "Eric Vanden-Eijnden", "8:30 am"),
    _talk(3, "Marco Mondelli", "3:30 pm"),
]


def test_the_first_or_last_talk_is_the_one_asked_for() -> None:
    first = answer_from_metadata("Who gives the first talk on Tuesday morning?", TUESDAY)
    assert first is not None and [e.id for _, es in first.sentences for e in es] == ["t2"]
    last = answer_from_metadata("Who gives the last talk on Tuesday?", TUESDAY)
    assert last is not None and [e.id for _, es in last.sentences for e in es] == ["t3"]


def test_a_comparison_of_named_people_leaves_out_the_other_talks_of_that_day() -> None:
    answer = answer_from_metadata("Whose talk is earlier on Tuesday, Qin Li's or Marco Mondelli's?", TUESDAY)
    assert answer is not None and answer.intent == "compare"
    assert [e.id for _, es in answer.sentences for e in es] == ["t1", "t3"]
    assert "10:40 am" in answer.sentences[0][0] and "3:30 pm" in answer.sentences[1][0]


def test_what_a_talk_is_called_is_its_record() -> None:
    talk = Entry(id="t9", kind="talk", title="TBD — Nicolas Flammarion", speaker="Nicolas Flammarion", time="2:30 pm")
    answer = answer_from_metadata("What is Nicolas Flammarion's talk called?", [talk])
    assert answer is not None and "title is still TBD" in answer.sentences[0][0]
    tutorial = Entry(id="u", kind="tutorial", title="Spectral Filtering", presenters=["Elad Hazan", "Annie Marsden"])
    answer = answer_from_metadata("Which tutorial do Elad Hazan and Annie Marsden present?", [tutorial])
    assert answer is not None and "Spectral Filtering" in answer.sentences[0][0]


def test_people_the_question_already_names_are_not_asked_for_beside_another_field() -> None:
    course = Entry(id="c", kind="tutorial", title="Kernels", presenters=["Bo Lind"])
    answer = answer_from_metadata("Which institute is Bo Lind, the kernels tutorial presenter, at?", [course])
    assert answer is not None and answer.abstain  # the record has no affiliation; the presenter was not asked
