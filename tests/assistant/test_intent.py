"""Reading what a question asks for: kinds as filters, list questions, times of day, attributes, topic, parts."""

from __future__ import annotations

import pytest

from assistant.intent import has_attribute, kinds_named, read_intent, split_parts, time_window, topic_phrase


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Which talks at the symposium are about scaling laws?", ("talk",)),
        ("Who talks at 4:20 pm on Wednesday?", ()),
        ("What does Mallat talk about?", ()),
        ("In the tutorial that builds a design language, which component composes adapters?", ("tutorial",)),
        ("Which papers in the library study graph neural networks?", ("paper",)),
        ("Is there a talk or a tutorial on diffusion?", ("talk", "tutorial")),
    ],
)
def test_kind_words_become_kinds_but_verbs_do_not(question: str, kinds: tuple[str, ...]) -> None:
    assert kinds_named(question) == kinds


@pytest.mark.parametrize(
    ("question", "is_list"),
    [
        ("Which talks at the symposium are about scaling laws?", True),
        ("Who speaks on Wednesday morning?", True),
        ("Which speakers are from EPFL?", True),
        ("Is there a tutorial on making a model forget its training data?", True),
        ("Who talks at 4:20 pm on Wednesday?", False),
        ("Friday evening keynotes", True),
        ("I need a gentle start on optimal transport, with code. Is there anything like that?", True),
        ("Is there anything on optimal transport?", False),
        ("tutorials with four presenters?", True),
        ("papers about graph rewriting from 2023", True),
        ("explain the talks' common thread", False),
        ("Which tutorial covers theorem proving in Lean?", False),
        ("Is there a tutorial on proofs? Which library does it introduce?", False),
        ("show me every lecture that touches on knot invariants", True),
        ("what does every tutorial require of attendees?", False),
    ],
)
def test_list_questions(question: str, is_list: bool) -> None:
    assert read_intent(question).is_list is is_list


def test_times_of_day_and_bounds() -> None:
    assert time_window("Who speaks on Tuesday afternoon?") == (720, 1080)
    assert time_window("Which talks are before 11 am?") == (0, 660)
    assert time_window("Which talks are after 3 pm?") == (901, 1440)
    assert time_window("Which talks are about memory?") is None
    assert time_window("talks between 11 and 12:45 on Friday") == (660, 766)
    assert time_window("anything from 2 to 3:30 pm?") == (840, 931)
    assert time_window("between 13:00 and 14:00") == (780, 841)
    assert time_window("papers between 2019 and 2021") is None


def test_attributes_and_their_presence() -> None:
    assert read_intent("How many datasets does TabPFN use?").attribute == "quantity"
    assert read_intent("What hardware was TabPFN trained on?").attribute == "hardware"
    assert read_intent("What does the tutorial cover?").attribute is None
    assert has_attribute("a 5 700times speedup when using a GPU", "hardware")
    assert not has_attribute("competitive with boosted trees", "quantity")
    # Only the asking sentence says what kind of value is asked for: a context may mention hardware.
    assert read_intent("We train on GPUs all day. What model did the paper on sparse coding train?").attribute is None
    assert has_attribute("it is right on 91.5\\% of them", "quantity", measure="fraction")


def test_light_verbs_and_question_words_are_no_topic() -> None:
    assert read_intent("what's the sparse coding paper about, what did they try and look at?").topic == (
        "spars",
        "code",
    )


def test_topic_leaves_out_question_kind_and_schedule_words() -> None:
    intent = read_intent("Which talks at the symposium on Monday are about neural scaling laws?")
    assert intent.topic == ("neural", "scale", "law")
    assert topic_phrase("Which talks draw on neuroscience or biology?") == "neuroscience or biology"


def test_parts_of_a_two_part_question() -> None:
    assert split_parts("How many authors does X have, and when was it published?") == (
        "How many authors does X have",
        "when was it published",
    )
    assert split_parts("What is X about?") == ("What is X about?",)


def test_questions_that_only_ask_which_entry_it_is() -> None:
    assert read_intent("Which paper casts natural selection as denoising?").identifies
    assert read_intent("I remember a talk about neurons as controllers. Which talk is that?").identifies
    assert not read_intent("Which papers study grokking?").identifies
    assert not read_intent("How is that tutorial organised?").identifies


def test_the_asking_part_leaves_out_an_identifying_clause() -> None:
    from assistant.intent import ask_part

    question = "In the tutorial that builds a design language, which component composes adapters?"
    assert ask_part(question) == "which component composes adapters?"
    assert ask_part("What is TabPFN?") == "What is TabPFN?"
    assert ask_part("A talk argues that neurons are oversimplified. As what does it propose to reimagine them?") == (
        "As what does it propose to reimagine them?"
    )
    two_asks = "A network classifies spreadsheets. What speedup does it report, and how much with a GPU?"
    assert ask_part(two_asks) == "What speedup does it report, and how much with a GPU?"
    identifying = "Which paper ties recurrent models to set disjointness, and what prompting strategy does it propose?"
    assert ask_part(identifying) == "what prompting strategy does it propose?"


def test_what_a_how_many_question_counts() -> None:
    from assistant.intent import counted_words

    assert counted_words("How many open-weight models did it examine?") == ("open-weight", "model")
    assert counted_words("How many artworks or artists are in the dataset?") == ("artwork", "artist")
    assert counted_words("How many discussants took part?") == ("discuss",)
    assert counted_words("What does it count?") == ()


def test_a_count_needs_its_number_next_to_what_is_counted() -> None:
    counted = ("artwork", "artist")
    assert not has_attribute("We evaluate on two tasks. First, we model artists' oeuvres.", "quantity", counted)
    assert has_attribute("The dataset holds 1,200 artists and their works.", "quantity", counted)
    # Where the text never names what is counted, any number may be the answer (other words for the same thing).
    assert has_attribute("A dataset of 500 AI supercomputers.", "quantity", ("machin",))


def test_a_measure_is_stated_by_its_word_or_unit() -> None:
    intent = read_intent("What classification accuracy does TabPFN reach on the OpenML-CC18 datasets?")
    assert intent.attribute == "quantity" and intent.measure == "accuraci"
    args = (intent.attribute, intent.counted, intent.measure)
    assert not has_attribute("On the 18 datasets it performs on par with a 230x speedup.", *args)
    assert has_attribute("It reaches 91% on them.", *args) and has_attribute("an accuracy of 0.91", *args)


def test_a_second_ask_after_a_preposition_is_a_part() -> None:
    question = "Where is Cengiz Pehlevan from, and for which quantities does his model give predictions?"
    assert split_parts(question) == (
        "Where is Cengiz Pehlevan from",
        "for which quantities does his model give predictions",
    )


def test_a_stated_count_then_which_are_they_is_a_list_and_the_count_is_no_topic() -> None:
    intent = read_intent("Two tutorials deal with theorem proving. Which are they, and who presents each?")
    assert intent.is_list and intent.kinds == ("tutorial",) and "two" not in intent.topic
    assert "theorem" in intent.topic and not read_intent("What are they?").is_list


def test_what_an_entry_does_with_its_topic_is_not_the_topic() -> None:
    assert read_intent("Which papers argue about or build world models for agents?").topic == (
        "world",
        "model",
        "agent",
    )
    assert "use" not in read_intent("Which papers use LLMs to optimise GPU kernels?").topic_phrase.split()


def test_how_long_asks_for_a_duration_and_the_adjective_is_not_the_topic() -> None:
    from assistant.intent import DURATION, has_attribute

    intent = read_intent("How long does the solver need to mesh one wing?")
    assert intent.measure == DURATION and "long" not in intent.topic
    assert has_attribute("Meshing a wing takes about 3.5 hours on a laptop.", intent.attribute, (), intent.measure)
    assert not has_attribute("The solver is 4x faster than the baseline.", intent.attribute, (), intent.measure)
    # "how small" before a noun is part of what is asked about.
    assert "small" in read_intent("Why does the study look at how small networks count?").topic


def test_a_tutorials_length_is_a_duration_and_a_papers_context_length_is_not() -> None:
    from assistant.intent import DURATION

    assert read_intent("graph rewiring tutorial length").measure == DURATION
    assert read_intent("What context length does the rewiring paper train with?").measure is None


def test_a_verb_that_looks_like_a_kind_noun_in_a_wh_question_is_no_list() -> None:
    assert not read_intent("Since Ada Quill works at Grendel, what is her talk about?").is_list
    assert read_intent("tutorials on sparse coding").is_list
