"""Gold-file loading: a valid file loads; each kind of malformed file raises GoldFileError naming file, line, field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gold import KNOWN_KINDS, GoldFileError, GoldQuestion, load_gold

GOOD = [
    {
        "id": "q1",
        "question": "Who presented the diffusion tutorial?",
        "kind": "presenter",
        "gold_titles": ["Diffusion Models Tutorial"],
        "gold_ids": ["tut-007"],
        "reference": "Jane Doe presented it.",
        "keywords": ["Jane Doe"],
    },
    {
        "id": "q2",
        "question": "How many authors wrote the sparse attention paper?",
        "kind": "author_count",
        "gold_titles": ["Sparse Attention at Scale"],
        "reference": "Four authors.",
        "answerable": True,
    },
    {
        "id": "q3",
        "question": "What did the keynote say about quantum gravity?",
        "kind": "unanswerable",
        "gold_titles": [],
    },
]


def _write(tmp_path: Path, lines: list[str], name: str = "gold.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _good_lines() -> list[str]:
    return [json.dumps(obj) for obj in GOOD]


def _error_for(tmp_path: Path, lines: list[str], name: str = "gold.jsonl") -> str:
    path = _write(tmp_path, lines, name)
    with pytest.raises(GoldFileError) as info:
        load_gold(path)
    return str(info.value)


def test_valid_file_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, [*_good_lines(), ""])  # trailing blank line is fine
    questions = load_gold(path)
    assert [q.id for q in questions] == ["q1", "q2", "q3"]
    assert all(isinstance(q, GoldQuestion) for q in questions)
    assert questions[0].answerable is True
    assert questions[0].gold_ids == ["tut-007"]
    assert questions[1].gold_ids == [] and questions[1].keywords == []
    assert questions[2].answerable is False  # derived from empty gold
    assert questions[2].reference == ""


def test_bad_json_on_line_3(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[2] = '{"id": "q3", "question": "broken", '
    message = _error_for(tmp_path, lines, "bad_json.jsonl")
    assert "bad_json.jsonl:3" in message
    assert "invalid JSON" in message
    assert "field '(line)'" in message


def test_missing_question(tmp_path: Path) -> None:
    lines = _good_lines()
    obj = dict(GOOD[1])
    del obj["question"]
    lines[1] = json.dumps(obj)
    message = _error_for(tmp_path, lines, "missing.jsonl")
    assert "missing.jsonl:2" in message
    assert "field 'question'" in message
    assert "Field required" in message


def test_wrong_type(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[0] = json.dumps({**GOOD[0], "keywords": "Jane Doe"})
    message = _error_for(tmp_path, lines, "types.jsonl")
    assert "types.jsonl:1" in message
    assert "field 'keywords'" in message


def test_wrong_type_no_coercion(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[1] = json.dumps({**GOOD[1], "answerable": "yes"})
    message = _error_for(tmp_path, lines, "strict.jsonl")
    assert "strict.jsonl:2" in message
    assert "field 'answerable'" in message


def test_duplicate_id(tmp_path: Path) -> None:
    lines = [*_good_lines(), json.dumps({**GOOD[1], "question": "Same id again?"})]
    message = _error_for(tmp_path, lines, "dupes.jsonl")
    assert "dupes.jsonl:4" in message
    assert "field 'id'" in message
    assert "duplicate id 'q2' (first on line 2)" in message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(GoldFileError) as info:
        load_gold(path)
    assert "empty.jsonl" in str(info.value)
    assert "empty" in str(info.value).split("empty.jsonl", 1)[1]


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({**GOOD[2], "answerable": True}, "answerable"),  # claims answerable with no gold
        ({**GOOD[0], "answerable": False}, "answerable"),  # claims unanswerable with gold
        ({**GOOD[0], "kind": "unanswerable"}, "gold_titles"),  # unanswerable kind with gold
        ({**GOOD[0], "reference": ""}, "reference"),  # answerable needs a reference
    ],
)
def test_inconsistent_answerable(tmp_path: Path, obj: dict[str, object], field: str) -> None:
    lines = _good_lines()
    lines[2] = json.dumps({**obj, "id": "q3"})
    message = _error_for(tmp_path, lines, "flags.jsonl")
    assert "flags.jsonl:3" in message
    assert f"field '{field}'" in message


def test_all_errors_collected(tmp_path: Path) -> None:
    lines = [
        "not json",
        json.dumps({**GOOD[0], "extra_field": 1}),
        json.dumps({"id": "q9", "kind": "date", "gold_titles": ["T"], "reference": "r"}),
        json.dumps([1, 2]),
    ]
    path = _write(tmp_path, lines)
    with pytest.raises(GoldFileError) as info:
        load_gold(path)
    err = info.value
    assert [(e.line, e.field) for e in err.errors] == [
        (1, "(line)"),
        (2, "extra_field"),
        (3, "question"),
        (4, "(line)"),
    ]
    for line in (1, 2, 3, 4):
        assert f"gold.jsonl:{line}:" in str(err)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(GoldFileError, match=r"nope\.jsonl"):
        load_gold(tmp_path / "nope.jsonl")


LIST_Q = {
    "id": "q4",
    "question": "Which talks are about diffusion models?",
    "kind": "list",
    "gold_titles": ["Generative modeling with flows and diffusions", "Score Diffusion"],
    "acceptable_titles": ["Speeding up gradient flows"],
    "reference": "Two talks: flows and diffusions, and score diffusion.",
}


def test_acceptable_titles_load_and_default_empty(tmp_path: Path) -> None:
    questions = load_gold(_write(tmp_path, [*_good_lines(), json.dumps(LIST_Q)]))
    assert questions[3].acceptable_titles == ["Speeding up gradient flows"]
    assert questions[3].gold_titles == LIST_Q["gold_titles"]
    assert all(q.acceptable_titles == [] for q in questions[:3])


def test_new_kinds_are_known() -> None:
    assert {"list", "paraphrase", "two_part"} <= set(KNOWN_KINDS)


def test_list_question_with_empty_gold_loads_as_unanswerable(tmp_path: Path) -> None:
    empty = {**LIST_Q, "gold_titles": [], "acceptable_titles": [], "reference": ""}
    (question,) = load_gold(_write(tmp_path, [json.dumps(empty)]))
    assert question.kind == "list"
    assert question.answerable is False
    assert question.gold_titles == []


def test_empty_list_question_may_still_name_acceptable_titles(tmp_path: Path) -> None:
    empty = {**LIST_Q, "gold_titles": [], "answerable": False}
    (question,) = load_gold(_write(tmp_path, [json.dumps(empty)]))
    assert question.answerable is False
    assert question.acceptable_titles == ["Speeding up gradient flows"]


@pytest.mark.parametrize(
    ("obj", "field", "text"),
    [
        ({**LIST_Q, "acceptable_titles": "Speeding up gradient flows"}, "acceptable_titles", "valid list"),
        ({**LIST_Q, "acceptable_titles": [3]}, "acceptable_titles[0]", "valid string"),
        ({**LIST_Q, "acceptable_titles": ["  "]}, "acceptable_titles", "must not be blank"),
        ({**LIST_Q, "acceptable_titles": ["Score Diffusion"]}, "acceptable_titles", "repeats gold title"),
        ({**LIST_Q, "gold_titles": ["Score Diffusion", "Score Diffusion"]}, "gold_titles", "listed twice"),
        ({**LIST_Q, "acceptable_titles": ["A", "A"]}, "acceptable_titles", "listed twice"),
        ({**LIST_Q, "gold_titles": [], "answerable": True}, "answerable", "answerable is true"),
    ],
)
def test_bad_list_fields_name_line_and_field(tmp_path: Path, obj: dict[str, object], field: str, text: str) -> None:
    message = _error_for(tmp_path, [*_good_lines(), json.dumps(obj)], "lists.jsonl")
    assert "lists.jsonl:4" in message
    assert f"field '{field}'" in message
    assert text in message
