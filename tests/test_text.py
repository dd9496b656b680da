"""The text vocabulary (index/text.py): one spelling for words written two ways, before stemming."""

from __future__ import annotations

import pytest

from index.text import content_words, spelling_variant, stems


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("optimise", "optimize"),
        ("optimisation", "optimization"),
        ("generalised", "generalized"),
        ("tokenising", "tokenizing"),
        ("analyse", "analyze"),
        ("behaviour", "behavior"),
        ("neighbours", "neighbors"),
        ("llms", "llm"),
        ("gnns", "gnn"),
    ],
)
def test_british_spellings_and_acronym_plurals_stem_like_their_other_form(british: str, american: str) -> None:
    assert spelling_variant(british) == american
    assert stems([british]) == stems([american])


@pytest.mark.parametrize(
    "word",
    [
        "promise",
        "promising",
        "exercise",
        "expertise",
        "surprise",
        "precise",
        "noise",
        "rise",
        "four",
        "hour",
        "contour",
        "analysis",
        "basis",
        "gpus",
        "this",
        "is",
    ],
)
def test_words_that_only_look_british_or_plural_are_left_alone(word: str) -> None:
    assert spelling_variant(word) == word


def test_content_words_match_across_spellings() -> None:
    assert content_words("Optimising the behaviour of LLMs") == content_words("optimizing the behavior of an LLM")
