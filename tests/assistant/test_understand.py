"""Question understanding: chat-style text normalised, the record fields asked, yes/no and summary shapes — on
phrasings written for these tests, in the styles people type (keywords, lower case, abbreviations, context first)."""

from __future__ import annotations

import pytest

from assistant.understand import asked_fields, asking_sentence, is_summary, is_yes_no, normalise, understand
from index.chat import expand_chat


@pytest.mark.parametrize(
    ("typed", "full"),
    [
        (
            "whos teaching the optimisation tutorial n where r they from",
            "who is teaching the optimisation tutorial and where are they from",
        ),
        ("wat time is the keynote", "what time is the keynote"),
        ("how many ppl wrote it", "how many people wrote it"),
        ("is it w/ a GPU demo", "is it with a GPU demo"),
        ("wats the loss fn w/o the prior", "what is the loss function without the prior"),
        ("hw many pprs does she hav", "how many papers does she have"),
        ("wen is it, cant find it", "when is it, can't find it"),
    ],
)
def test_chat_abbreviations_become_words(typed: str, full: str) -> None:
    assert expand_chat(typed) == full


@pytest.mark.parametrize("text", ["R and U-Net models", "n = 5 samples, a, b, n", "Whose method wins?"])
def test_text_that_only_looks_like_chat_is_kept(text: str) -> None:
    assert expand_chat(text) == text


def test_normalise_folds_repeated_punctuation_and_corrects_words() -> None:
    assert normalise("affiliation of the speaker??", None) == "affiliation of the speaker?"
    assert normalise("when was it publishd", lambda t: t.replace("publishd", "published")) == "when was it published"


@pytest.mark.parametrize(
    ("question", "fields"),
    [
        ("who's presenting the tutorial on causal discovery?", {"people"}),
        ("causal discovery tutorial presenters", {"people"}),
        ("graph rewiring talk speaker affiliation", {"people", "affiliation"}),
        ("which institute is the speaker on spiking networks with?", {"affiliation"}),
        ("Is the speaker on protein folding from Oxford?", {"affiliation"}),
        ("what day and time is the talk on optimal transport", {"when"}),
        ("how many people authored the survey on pruning", {"author_count"}),
        ("and how many instructors run that one?", {"people"}),
        ("when did the paper on sparse attention come out", {"date"}),
        ("What does the paper on sparse attention propose?", set()),
        ("is the causal discovery tutorial taught by Ada Quill?", {"people"}),
        ("Is Ada Quill co-presenting the kernels tutorial?", {"people"}),
        ("Is Ada Quill giving the kernels tutorial?", {"people"}),
        ("Is the kernels tutorial giving hands-on exercises?", set()),
    ],
)
def test_the_record_fields_asked(question: str, fields: set[str]) -> None:
    assert set(asked_fields(normalise(question))) >= fields
    if not fields:
        assert not asked_fields(normalise(question))


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("Is the tutorial on kernels given by two people?", True),
        ("does the benchmark paper report human baselines", True),
        ("I run a small lab working on robotics. Did anyone talk about sim-to-real transfer?", True),
        ("Can you list the talks on Friday?", False),
        ("could u give me an overview of the pruning papers", False),
        ("Which talk covers sim-to-real transfer?", False),
    ],
)
def test_yes_no_questions(question: str, yes_no: bool) -> None:
    assert is_yes_no(normalise(question)) is yes_no


@pytest.mark.parametrize(
    ("question", "summary"),
    [
        ("Summarise the work on graph neural networks", True),
        ("give me a quick overview of the robotics talks", True),
        ("What does the corpus say about federated learning?", True),
        ("what do the tutorials offer on reinforcement learning", True),
        ("What does the federated learning paper propose?", False),
        ("Who presents the tutorial on reinforcement learning?", False),
    ],
)
def test_summary_requests(question: str, summary: bool) -> None:
    assert is_summary(normalise(question)) is summary


def test_a_question_is_read_once_into_one_object() -> None:
    q = understand("whos giving the talk abt spiking networks n where r they from")
    assert q.text.startswith("who is giving the talk about spiking networks and where are they from")
    assert {"people", "affiliation"} <= q.asks and bool(q.asks)
    assert not q.yes_no and not q.summary and not q.keyword_query
    assert understand("spiking networks talk speaker").keyword_query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("talks 2 40 pm friday", "people"),
        ("nonparametric tests tutorial speaking", "people"),
        ("jane roe symposium talk title", "title"),
    ],
)
def test_keyword_queries_ask_by_their_nouns_and_slots(query: str, field: str) -> None:
    assert field in asked_fields(normalise(query))


def test_a_preamble_about_the_asker_is_dropped_and_a_description_kept() -> None:
    from assistant.understand import without_preamble

    def off_topic(text: str) -> bool:  # a stand-in for "close in meaning to nothing in the corpus"
        return "spiking" not in text

    asked = "which talks are about spiking networks?"
    assert without_preamble(f"My advisor brought this up last week. {asked}", off_topic) == asked
    assert without_preamble(f"For a reading group next week, {asked}", off_topic) == asked
    assert without_preamble(f"Quick question while I write up my thesis: {asked}", off_topic) == asked
    described = "I remember a talk on spiking networks with local rules. Who gave it?"
    assert without_preamble(described, off_topic) == described
    assert without_preamble(asked, off_topic) == asked


def test_a_question_split_at_a_titles_colon_is_not_a_preamble() -> None:
    from assistant.understand import without_preamble

    asked = "How many GPUs trained Sparse Coding: A Study in Local Rules?"
    assert without_preamble(asked, lambda text: True) == asked


def test_the_asking_sentence_is_the_last_question() -> None:
    assert asking_sentence("We use Foo at work. Is it fast? Thanks.") == "Is it fast?"
    assert asking_sentence("tell me about foo") == "tell me about foo"


def test_a_question_asking_for_members_of_a_class_is_told_from_a_description_or_a_yes_no() -> None:
    from assistant.understand import asks_for_names

    assert asks_for_names("which corpora did the road-graph study train on?")
    assert asks_for_names("road graph message passing baselines")  # a keyword query
    assert asks_for_names("I build routing software. What baselines does the road-graph paper compare with?")
    assert not asks_for_names("what is the road-graph paper about?")
    assert not asks_for_names("Does the road-graph paper use Metroville?")


@pytest.mark.parametrize(
    "text",
    [
        "tl;dr on graph rewiring",
        "tldr of what the collection has on sparse codes",
        "what the library says on optimal transport",
        "what's in the autumn daily papers about sparse codes",
        "what are the main themes of the Friday talks?",
    ],
)
def test_more_ways_of_asking_for_a_summary(text: str) -> None:
    from assistant.understand import is_summary

    assert is_summary(text)


def test_an_initial_inside_a_name_does_not_end_the_asking_sentence() -> None:
    from assistant.understand import asking_sentence, is_yes_no

    assert is_yes_no("Did Ada B. Quill co-author the rewiring talk?")
    assert asking_sentence("I liked the rewiring talk. Who gave it?") == "Who gave it?"


def test_a_keyword_query_ending_in_a_plural_asks_for_members() -> None:
    from assistant.understand import ends_in_members

    assert ends_in_members("road graph router baselines")
    assert not ends_in_members("road graph router speedup")
    assert not ends_in_members("graph rewiring tutorial presenters")  # a record field
    assert not ends_in_members("graph rewiring talks")  # a kind
