"""Answer feedback: votes stored as JSONL, bad votes refused in words, export as gold questions that load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main
from assistant.errors import AssistantError
from assistant.feedback import export_gold, feedback_path, read_feedback, record_vote
from evals.gold import load_gold

NEURON = "What does the neuron do? A new model for neuroscience and AI"


def _turn(question: str, text: str, titles: list[str], abstained: bool = False) -> dict[str, Any]:
    citations = [{"marker": i, "entry_id": f"e{i}", "title": t, "kind": "talk"} for i, t in enumerate(titles, 1)]
    answer = {"text": text, "abstained": abstained, "route": "generated", "citations": citations}
    return {"id": f"t{abs(hash(question)) % 10_000}", "question": question, "answer": answer, "filters": {"k": 6}}


def test_votes_are_appended_with_question_answer_citations_route(tmp_path: Path) -> None:
    path = feedback_path(tmp_path)
    record_vote(path, _turn("Who talks at 4:20 pm?", "Mitya Chklovskii [1].", [NEURON]), "up", "  spot   on ")
    record_vote(path, _turn("What is X?", "Wrong [1].", ["Other"]), "down")
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [r["vote"] for r in lines] == ["up", "down"]
    first = lines[0]
    assert first["question"] == "Who talks at 4:20 pm?" and first["answer"] == "Mitya Chklovskii [1]."
    assert first["citations"][0]["title"] == NEURON and first["route"] == "generated"
    assert first["comment"] == "spot on"


def test_bad_votes_are_refused_in_words(tmp_path: Path) -> None:
    path = feedback_path(tmp_path)
    with pytest.raises(AssistantError, match="vote must be 'up' or 'down'"):
        record_vote(path, _turn("q", "a", []), "meh")
    with pytest.raises(AssistantError, match="only a finished answer"):
        record_vote(path, {"question": "q", "answer": None}, "up")
    with pytest.raises(AssistantError, match="limit is 1000"):
        record_vote(path, _turn("q", "a", []), "up", "x" * 1001)
    assert not path.exists()


def test_export_writes_loadable_gold_and_a_review_file(tmp_path: Path) -> None:
    path = feedback_path(tmp_path)
    record_vote(path, _turn("Who talks at 4:20 pm?", "An early answer [1].", ["Old"]), "down")
    record_vote(path, _turn("Who talks at 4:20 pm?", "Mitya Chklovskii [1].", [NEURON]), "up")  # latest vote counts
    record_vote(path, _turn("Is there a talk on cooking?", "The corpus does not say.", [], abstained=True), "up")
    record_vote(path, _turn("What is X?", "Wrong [1].", ["Other"]), "down", "it is about Y")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{broken line\n")
    assert len(read_feedback(path)) == 4
    out = tmp_path / "gold" / "feedback_gold.jsonl"
    written, review, review_path = export_gold(path, out)
    assert (written, review) == (2, 1)
    gold = {q.question: q for q in load_gold(out)}
    assert gold["Who talks at 4:20 pm?"].gold_titles == [NEURON] and gold["Who talks at 4:20 pm?"].answerable
    assert (
        gold["Is there a talk on cooking?"].kind == "unanswerable"
        and not gold["Is there a talk on cooking?"].answerable
    )
    assert review_path is not None
    assert json.loads(review_path.read_text(encoding="utf-8"))["comment"] == "it is about Y"


def test_cli_feedback_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gold.jsonl"
    assert main(["feedback", "export", "--out", str(out), "--data-dir", str(tmp_path)]) == 1
    assert "no feedback" in capsys.readouterr().err
    record_vote(feedback_path(tmp_path), _turn("Who talks at 4:20 pm?", "Mitya [1].", [NEURON]), "up")
    assert main(["feedback", "export", "--out", str(out), "--data-dir", str(tmp_path)]) == 0
    assert "1 gold question(s) written" in capsys.readouterr().out
    assert [q.gold_titles for q in load_gold(out)] == [[NEURON]]
