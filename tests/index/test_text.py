"""The text vocabulary (index/text.py): one spelling for words written two ways, before stemming."""

from __future__ import annotations

import pytest

from index.text import content_words, sentence_pieces, spelling_variant, split_sentences, stems


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


def test_sentence_pieces_join_back_into_the_text_and_cut_where_split_sentences_does() -> None:
    text = "We use e.g. kernels, as Smith et al. show.  Results hold.\nA new line starts here. 3 models win!"
    pieces = sentence_pieces(text)
    assert "".join(pieces) == text
    assert [p.strip() for p in pieces] == split_sentences(text)
    assert pieces[0] == "We use e.g. kernels, as Smith et al. show.  "


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("reaches 91.5\\% recall", "reaches 91.5% recall"),
        ("a 3.2times speedup over the baseline", "a 3.2× speedup over the baseline"),
        ("two $7\\times 7$ grids", "two 7×7 grids"),
        ("as argued before~\\cite{smith2020} we use \\emph{sparse} codes", "as argued before we use sparse codes"),
        ("it runs in $O(n)$ time", "it runs in O(n) time"),
        ("sometimes the job times out", "sometimes the job times out"),
    ],
)
def test_latex_left_in_an_abstract_is_shown_as_a_reader_would_write_it(raw: str, shown: str) -> None:
    from index.text import readable

    assert readable(raw) == shown
