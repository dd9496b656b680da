"""Names and values a text must contain to be about them (hand-made texts)."""

from __future__ import annotations

from index.entries import Entry
from index.terms import (
    count_contradicted,
    counts_stated,
    distinctive_terms,
    unmentioned,
    unmentioned_in,
    value_terms,
)

NAMES = frozenset({"ada", "quill"})


def test_distinctive_terms_are_the_names_and_values_a_text_must_contain() -> None:
    terms = distinctive_terms("Does the Ada Quill talk compare against BigNet-3 on the FooBench suite in March?", NAMES)
    assert terms == ["BigNet-3", "FooBench"]  # the speaker is known, the month and capitalised start are not terms
    assert distinctive_terms("does it beat resnet on imagenet", ("quill",)) == []


def test_unmentioned_terms_ignore_inner_hyphens_and_accept_initials() -> None:
    entry = Entry(id="p", kind="paper", title="Deep nets", text="We train with reinforcement learning on Big-Net3.")
    assert unmentioned(["BigNet3", "RL", "FooBench"], [entry]) == ["FooBench"]
    maths = Entry(id="m", kind="paper", title="M", text="Multiplying $4\\times 4$ matrices with AI-assisted search.")
    assert unmentioned(["4x4", "AI-driven", "3x3"], [maths]) == ["3x3"]


def test_value_terms_join_letters_and_digits() -> None:
    assert value_terms("A 3D hull, a 5-layer MLP and GPT-4 beat 12 baselines in 2024.") == ["3D", "5-layer", "GPT-4"]
    assert unmentioned_in(["3D", "GPT-4"], "We compute planar hulls with GPT-4.") == ["3D"]


def test_counts_stated_and_contradicted() -> None:
    assert counts_stated("It has three main stages and 12 layers.") == {
        "main": {"3"},
        "stage": {"3"},
        "layer": {"12"},
    }
    text = "The course runs in two blocks. Each block has four labs."
    assert count_contradicted("What happens in the three blocks of the course?", text) == (
        "three blocks",
        "The course runs in two blocks.",
    )
    assert count_contradicted("What is in the two blocks?", text) is None
    assert count_contradicted("Which one lab comes first?", text) is None  # "one" is read as a determiner
    assert count_contradicted("What are the five quizzes?", text) is None  # the text counts no quizzes


def test_a_plural_acronym_is_mentioned_by_its_singular_or_its_initials() -> None:
    assert unmentioned_in(["GNNs"], "A GNN aggregates messages.") == []
    assert unmentioned_in(["LLMs"], "We prompt large language models.") == []
    assert unmentioned_in(["CNNs"], "We prompt large language models.") == ["CNNs"]


def test_a_value_stated_otherwise_is_found_with_the_sentence_that_states_it() -> None:
    from index.terms import value_contradicted

    text = "We route tokens sparsely. This gives over 200-fold speedups on long inputs."
    assert value_contradicted("Given its 20-fold speedups, how does it route?", text) == (
        "20-fold",
        "This gives over 200-fold speedups on long inputs.",
    )
    assert value_contradicted("Where do its 200-fold speedups come from?", text) is None
    assert value_contradicted("Does it use a 5-layer router?", text) is None  # the text states no layer count
    assert unmentioned_in(["20-fold"], text) == ["20-fold"]  # "20" is not in "200"
