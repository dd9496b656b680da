"""Gold questions resolved to entry ids, acceptable extras included."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from evals.gold import GoldFileError, GoldQuestion
from evals.questions import resolve_gold

ENTRIES = [SimpleNamespace(id="e1", title="Diffusion Models"), SimpleNamespace(id="e2", title="Score Matching")]


def gold(**fields: object) -> GoldQuestion:
    data: dict[str, object] = {"id": "q1", "question": "Which?", "kind": "list", "reference": "Both."}
    data.update(fields)
    return GoldQuestion(**data)  # type: ignore[arg-type]


def test_acceptable_titles_resolve_to_ids() -> None:
    q = gold(gold_titles=["diffusion models"], acceptable_titles=["Score Matching"])
    [resolved] = resolve_gold([q], ENTRIES, {"q1": 3}, Path("g.jsonl"))  # type: ignore[arg-type]
    assert resolved.gold_ids == ("e1",) and resolved.acceptable_ids == ("e2",) and resolved.line == 3


def test_unknown_acceptable_title_names_its_line_and_field() -> None:
    q = gold(gold_titles=["Diffusion Models"], acceptable_titles=["Score Matchin"])
    with pytest.raises(GoldFileError) as err:
        resolve_gold([q], ENTRIES, {"q1": 7}, Path("g.jsonl"))  # type: ignore[arg-type]
    text = str(err.value)
    assert "g.jsonl:7" in text and "acceptable_titles[0]" in text and "closest: 'Score Matching'" in text
