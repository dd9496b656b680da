"""The evaluation's own number reader."""

from __future__ import annotations

from evals.numbers import numbers_absent, numbers_in


def test_numbers_in_reads_digits_words_and_ignores_markers_and_names() -> None:
    assert numbers_in("We use 1,000 GPUs [1] and two nodes at 95% with 3.50 s, GPT-4 on Qwen2.5 in 2023.") == {
        "1000",
        "2",
        "95",
        "3.5",
        "4",
        "2023",
    }
    assert numbers_in("One of the talks [2].") == set()


def test_numbers_absent() -> None:
    assert numbers_absent("It has 12 layers and 3 heads.", "12 layers, three heads") == []
    assert numbers_absent("It has 14 layers.", "12 layers") == ["14"]
