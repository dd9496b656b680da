"""List answers on hand-made entries: topic matches by similarity and words, schedules, affiliations, counts."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.entity_linking import EntityLinker
from assistant.intent import read_intent
from assistant.lists import (
    ListContext,
    find_list,
    people_counts,
    rarity_weights,
    render_empty,
    render_intro,
    render_item,
    topic_parts,
)
from index.entries import Entry, SourceRef


def _talk(n: int, title: str, text: str, day: str, time: str, affiliation: str = "EPFL") -> Entry:
    return Entry(
        id=f"t{n}",
        kind="talk",
        title=title,
        text=text,
        speaker=f"Speaker {n}",
        affiliation=affiliation,
        day=day,
        time=time,
        date="2024-10-01",
        sources=[SourceRef(file="003.txt", line=n)],
    )


TALKS = [
    _talk(1, "Scaling laws for feature learning", "We derive neural scaling laws.", "Monday", "9:00 am"),
    _talk(2, "Diffusion models as denoisers", "Score-based diffusion.", "Monday", "2:30 pm", "ETH Zurich"),
    _talk(3, "TBD", "", "Tuesday", "10:00 am", "New York University"),
    _talk(4, "Kernels and scaling", "Kernel regression limits of scaling laws.", "Tuesday", "4:00 pm"),
    Entry(id="tut", kind="tutorial", title="Scaling laws tutorial", text="Scaling laws.", presenters=["A", "B", "C"]),
]


def _context(similarity: dict[str, float]) -> ListContext:
    def similar(_: str, entries: Sequence[Entry]) -> dict[str, float]:
        return {e.id: similarity.get(e.id, 0.0) for e in entries}

    return ListContext(TALKS, EntityLinker(TALKS), lambda e: True, similar, rarity_weights(TALKS))


def test_topic_list_keeps_kind_and_similar_entries_only() -> None:
    question = "Which talks are about scaling laws?"
    result = find_list(question, read_intent(question), _context({"t1": 0.8, "t4": 0.6, "t2": 0.2, "tut": 0.9}))
    assert [i.entry.id for i in result.items] == ["t1", "t4"] and result.detail == "topic"
    assert render_intro(result) == "2 talks in the corpus match:"


def test_all_topic_words_in_one_sentence_count_even_when_similarity_is_modest() -> None:
    question = "Which talks are about score-based diffusion?"
    result = find_list(question, read_intent(question), _context({"t2": 0.35, "t1": 0.3}))
    assert [i.entry.id for i in result.items] == ["t2"]


def test_nothing_similar_gives_an_empty_list() -> None:
    question = "Which talks are about protein folding?"
    result = find_list(question, read_intent(question), _context({"t1": 0.2, "t2": 0.1}))
    assert result.items == [] and render_empty(result) == "No talks in the corpus match this question."


def test_schedule_lists_are_in_time_order_and_respect_the_part_of_day() -> None:
    question = "Who speaks on Tuesday afternoon?"
    result = find_list(question, read_intent(question), _context({}))
    assert [i.entry.id for i in result.items] == ["t4"] and result.detail == "schedule"
    question = "Which talks are on Monday?"
    assert [i.entry.id for i in find_list(question, read_intent(question), _context({})).items] == ["t1", "t2"]


def test_affiliation_untitled_and_presenter_count_lists() -> None:
    q = "Which speakers are from New York University?"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["t3"]
    q = "Which talks do not have a title yet?"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["t3"]
    q = "Which tutorials are given by three presenters?"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["tut"]


def test_item_line_names_people_and_time_and_quotes_the_evidence() -> None:
    question = "Which talks are about scaling laws?"
    item = find_list(question, read_intent(question), _context({"t4": 0.9})).items[0]
    item.marker = 3
    line = render_item(1, item)
    assert line.startswith("1. “Kernels and scaling” (Speaker 4, EPFL; Tuesday")
    assert line.endswith("“Kernel regression limits of scaling laws.” [3]")


def test_a_middling_similarity_needs_the_topics_distinctive_word() -> None:
    # In a corpus where "diffusion" is rare and "scaling" common, a talk similar to "diffusion scaling" that never
    # says diffusion is no match unless it is very similar; one that says diffusion is.
    def context(similarity: dict[str, float]) -> ListContext:
        base = _context(similarity)
        return ListContext(TALKS, base.linker, base.accepts, base.similarity, {"diffus": 4.0, "scale": 0.5})

    question = "Which talks are about diffusion scaling?"
    similarity = {"t1": 0.55, "t4": 0.5, "t2": 0.5}
    assert [i.entry.id for i in find_list(question, read_intent(question), context(similarity)).items] == ["t2"]
    result = find_list(question, read_intent(question), context({**similarity, "t1": 0.65}))
    assert {i.entry.id for i in result.items} == {"t1", "t2"}


def test_topic_parts_split_alternatives_and_mark_the_core_before_a_trailing_phrase() -> None:
    question = "Which papers trace circuits or computational graphs inside neural networks?"
    parts = topic_parts(question, read_intent(question).topic)
    assert [p.core for p in parts] == [("trace", "circuit"), ("comput", "graph")]
    assert parts[1].words == ("comput", "graph", "neural", "network")
    question = "Which papers argue about or build world models for agents?"
    assert [p.core for p in topic_parts(question, read_intent(question).topic)] == [("world", "model")]


def _over(entries: list[Entry], weights: dict[str, float], similarity: dict[str, float]) -> ListContext:
    """A list context over the given entries, with these word rarities and similarities to the topic."""
    return ListContext(
        entries,
        EntityLinker(entries),
        lambda e: True,
        lambda _, es: {e.id: similarity.get(e.id, 0.0) for e in es},
        weights,
    )


def test_a_middling_similarity_needs_the_distinctive_words_of_one_alternatives_core() -> None:
    # "world models for agents": an entry about agents alone, or about the world alone, is no match at a middling
    # similarity; one that says world and model is, and so is one similar enough whatever it says.
    entries = [
        _talk(1, "Agents that plan", "Agents act in environments.", "Monday", "9:00 am"),
        _talk(2, "World models", "A learned world model predicts the next state.", "Monday", "10:00 am"),
        _talk(3, "Our world", "The world is large.", "Monday", "11:00 am"),
        _talk(4, "Planning", "Agents plan.", "Monday", "12:00 pm"),
    ]
    weights = {"agent": 2.0, "world": 2.0, "model": 1.6, "plan": 2.0}

    question = "Which talks are about world models for agents?"
    similarity = {"t1": 0.55, "t2": 0.5, "t3": 0.5}
    assert [
        i.entry.id for i in find_list(question, read_intent(question), _over(entries, weights, similarity)).items
    ] == ["t2"]
    result = find_list(question, read_intent(question), _over(entries, weights, {**similarity, "t1": 0.65}))
    assert {i.entry.id for i in result.items} == {"t1", "t2"}


def test_a_long_description_needs_any_one_of_its_rarest_words() -> None:
    # A question that describes an entry in its own words seldom repeats two of the entry's rare words: one will do,
    # wherever it stands in the description; an entry with none of them still needs a strong similarity.
    entries = [
        _talk(
            1,
            "Learning the Collatz map",
            "Transformers predict the distant successors of odd integers.",
            "Monday",
            "9:00 am",
        ),
        _talk(2, "Sequence models", "Long sequences are modelled.", "Monday", "10:00 am"),
    ]
    weights = {"successor": 3.0, "odd": 2.9, "integ": 2.5, "jump": 3.0, "sequenc": 1.6, "predict": 1.6, "long": 1.6}

    question = "Which talks ask whether sequence models predict long jumps in a map from odd integers to successors?"
    result = find_list(question, read_intent(question), _over(entries, weights, {"t1": 0.5, "t2": 0.5}))
    assert [i.entry.id for i in result.items] == ["t1"]


def test_people_counts_read_exact_counts_bounds_and_sole_authors() -> None:
    assert people_counts("tutorials with exactly two presenters") == (2, 2)
    assert people_counts("papers with 12 or more authors") == (12, 10**6)
    assert people_counts("papers with more than 12 authors") == (13, 10**6)
    assert people_counts("papers with at most 3 authors") == (0, 3)
    assert people_counts("papers with fewer than 3 authors") == (0, 2)
    assert people_counts("sole-author papers") == (1, 1)
    assert people_counts("tutorials with more than two presenters") == (3, 10**6)
    assert people_counts("papers with four or fewer authors") == (0, 4)
    assert people_counts("papers on sparse coding") is None


def test_where_entries_took_place_is_not_their_topic() -> None:
    from assistant.intent import read_intent
    from assistant.lists import ListContext, find_list

    here = Entry(id="a", kind="talk", title="Sparse codes", speaker="A B", location="Lakeside, Norland", text="x")
    far = Entry(id="b", kind="talk", title="Graph rewiring", speaker="C D", location="Lakeside, Norland", text="y")
    sims = {"a": 0.5, "b": 0.1}
    ctx = ListContext([here, far], EntityLinker([here, far]), lambda e: True, lambda t, pool: sims)
    question = "which talks at Lakeside are about sparse codes?"
    assert [i.entry.id for i in find_list(question, read_intent(question), ctx).items] == ["a"]


def test_a_bounded_people_count_lists_only_entries_whose_people_are_known() -> None:
    unknown = Entry(id="u", kind="tutorial", title="A tutorial whose presenters are not recorded", text="Scaling.")
    pool = [*TALKS, unknown]
    ctx = ListContext(pool, EntityLinker(pool), lambda e: True, lambda _, es: {e.id: 0.0 for e in es})
    q = "tutorials with fewer than five presenters"
    assert [i.entry.id for i in find_list(q, read_intent(q), ctx).items] == ["tut"]


def test_a_schedule_day_named_by_its_place_lists_that_day() -> None:
    q = "Which talks are on the first day?"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["t1", "t2"]
    q = "talks in the afternoon of the last day"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["t4"]


def test_a_year_written_before_the_kind_filters_by_year() -> None:
    papers = [
        Entry(id="old", kind="paper", title="Sparse coding revisited", text="Sparse coding.", date="Mar 3, 2023"),
        Entry(id="new", kind="paper", title="Sparse coding at scale", text="Sparse coding.", date="Jan 9, 2025"),
    ]
    ctx = ListContext(papers, EntityLinker(papers), lambda e: True, lambda _, es: {e.id: 0.0 for e in es})
    q = "list the 2023 papers"
    assert [i.entry.id for i in find_list(q, read_intent(q), ctx).items] == ["old"]


def test_the_first_or_last_slot_of_a_day_lists_that_talk_alone() -> None:
    q = "who speaks last on Monday?"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["t2"]
    q = "Which talk is the first one on Tuesday?"
    assert [i.entry.id for i in find_list(q, read_intent(q), _context({})).items] == ["t3"]


def test_a_summary_of_two_topics_takes_an_entry_close_to_either_one() -> None:
    both = Entry(id="both", kind="tutorial", title="Knot invariants and braid groups", text="Knots and braids.")
    one = Entry(id="one", kind="tutorial", title="Braid groups for beginners", text="Braids.")
    pool = [both, one]
    table = {"knot invariants or braid groups": {"both": 0.9, "one": 0.3}, "braid groups": {"both": 0.5, "one": 0.7}}

    def similar(text: str, entries: Sequence[Entry]) -> dict[str, float]:
        return {e.id: table.get(text.strip(), {}).get(e.id, 0.0) for e in entries}

    ctx = ListContext(pool, EntityLinker(pool), lambda e: True, similar, rarity_weights(pool))
    q = "which tutorials cover knot invariants or braid groups"
    assert [i.entry.id for i in find_list(q, read_intent(q), ctx).items] == ["both"]
    found = find_list(q, read_intent(q), ctx, each_alternative=True)
    assert sorted(i.entry.id for i in found.items) == ["both", "one"]
