"""The dev set agrees with the corpus: every title it names is a real parsed entry, every keyword is in the entry's
text, and the harder question kinds (list, paraphrase, two_part, unanswerable) are there in the numbers promised.

Fast: parses the seeds with the real parsers (no embedding, no model). A failure names the question id and the
offending title or keyword."""

from __future__ import annotations

import difflib
from collections import Counter

import pytest

from evals.gold import GoldQuestion, load_gold
from index.corpus import load_corpus
from index.entries import Entry, normalize_title
from tests.helpers import REPO

DEV_SET = REPO / "evals" / "dev_set.jsonl"
SEEDS = REPO / "seeds"

# Minimums the dev set promises for the answer pipeline's harder kinds (issue 8).
MIN_COUNTS = {"list": 32, "paraphrase": 26, "two_part": 12, "unanswerable": 15}
MIN_EMPTY_LISTS = 4
MAX_LIST_GOLD = 10
KEYWORD_KINDS = ("paraphrase", "two_part")


@pytest.fixture(scope="module")
def questions() -> list[GoldQuestion]:
    return load_gold(DEV_SET)


@pytest.fixture(scope="module")
def by_title() -> dict[str, list[Entry]]:
    index: dict[str, list[Entry]] = {}
    for entry in load_corpus(SEEDS).entries:
        index.setdefault(entry.title, []).append(entry)
    return index


def searchable(entry: Entry) -> str:
    """Everything a keyword may legitimately come from: the entry's text and every metadata field."""
    fields = [entry.title, entry.text, entry.metadata_line(), entry.when, *entry.presenters]
    fields += [str(v) for v in (entry.speaker, entry.affiliation, entry.day, entry.date, entry.time) if v]
    fields += [str(entry.authors_count)] if entry.authors_count is not None else []
    return "\n".join(fields).lower()


def title_problems(questions: list[GoldQuestion], by_title: dict[str, list[Entry]]) -> list[str]:
    """One line per gold or acceptable title that is not exactly a parsed entry's title."""
    problems = []
    for q in questions:
        for field, titles in (("gold_titles", q.gold_titles), ("acceptable_titles", q.acceptable_titles)):
            for title in titles:
                if title not in by_title:
                    close = difflib.get_close_matches(title, list(by_title), n=1, cutoff=0.6)
                    hint = f" (closest parsed title: {close[0]!r})" if close else ""
                    problems.append(f"{q.id}: {field} {title!r} is not a parsed entry title{hint}")
    return problems


def keyword_problems(questions: list[GoldQuestion], by_title: dict[str, list[Entry]]) -> list[str]:
    """One line per keyword of a paraphrase or two-part question found in none of its gold entries."""
    problems = []
    for q in questions:
        if q.kind not in KEYWORD_KINDS:
            continue
        haystack = "\n".join(searchable(e) for t in q.gold_titles for e in by_title.get(t, []))
        problems += [
            f"{q.id}: keyword {kw!r} occurs in no gold entry {q.gold_titles}"
            for kw in q.keywords
            if kw.lower() not in haystack
        ]
    return problems


def shape_problems(questions: list[GoldQuestion]) -> list[str]:
    """Per-kind rules: list gold/acceptable disjoint and short; paraphrase one entry, keywords, no quoted title;
    two-part keywords for both asks."""
    problems = []
    for q in questions:
        if q.kind == "list":
            if both := set(q.gold_titles) & set(q.acceptable_titles):
                problems.append(f"{q.id}: titles both gold and acceptable: {sorted(both)}")
            if len(q.gold_titles) > MAX_LIST_GOLD:
                problems.append(f"{q.id}: {len(q.gold_titles)} gold titles (a list topic should have at most 10)")
        elif q.kind == "paraphrase":
            if len(q.gold_titles) != 1 or not q.keywords:
                problems.append(f"{q.id}: a paraphrase question needs exactly one gold title and some keywords")
            elif normalize_title(q.gold_titles[0]) in normalize_title(q.question):
                problems.append(f"{q.id}: paraphrase quotes its title {q.gold_titles[0]!r}")
        elif q.kind == "two_part" and (len(q.keywords) < 2 or not q.gold_titles):
            problems.append(f"{q.id}: a two-part question needs gold titles and keywords for both parts")
    return problems


def test_dev_set_loads(questions: list[GoldQuestion]) -> None:
    assert len({q.id for q in questions}) == len(questions) >= 65


def test_every_title_is_a_parsed_entry(questions: list[GoldQuestion], by_title: dict[str, list[Entry]]) -> None:
    problems = title_problems(questions, by_title)
    assert not problems, "\n".join(problems)


def test_keywords_occur_in_gold_entries(questions: list[GoldQuestion], by_title: dict[str, list[Entry]]) -> None:
    problems = keyword_problems(questions, by_title)
    assert not problems, "\n".join(problems)


def test_question_shapes(questions: list[GoldQuestion]) -> None:
    problems = shape_problems(questions)
    assert not problems, "\n".join(problems)


def test_minimum_counts_per_kind(questions: list[GoldQuestion]) -> None:
    counts = Counter(q.kind for q in questions)
    short = {kind: (counts[kind], need) for kind, need in MIN_COUNTS.items() if counts[kind] < need}
    assert not short, f"too few questions of kind (have, need): {short}"
    empty_lists = [q.id for q in questions if q.kind == "list" and not q.gold_titles]
    assert len(empty_lists) >= MIN_EMPTY_LISTS, f"only {empty_lists} list questions have an empty answer"
    assert all(not q.answerable for q in questions if q.kind == "list" and not q.gold_titles)


# The checks themselves must be able to fail, and say where.


def _q(**fields: object) -> GoldQuestion:
    base: dict[str, object] = {"id": "qX", "question": "Which talks?", "kind": "list", "gold_titles": []}
    return GoldQuestion.model_validate({"reference": "r", **base, **fields})


def test_checks_name_the_question_and_the_bad_title(by_title: dict[str, list[Entry]]) -> None:
    real = "Pointer Networks"
    bad = [_q(id="q901", gold_titles=["Pointer Network"]), _q(id="q902", acceptable_titles=["No Such Paper"])]
    problems = title_problems(bad, by_title)
    assert len(problems) == 2
    assert problems[0].startswith("q901: gold_titles 'Pointer Network'") and repr(real) in problems[0]
    assert problems[1].startswith("q902: acceptable_titles 'No Such Paper'")
    assert title_problems([_q(gold_titles=[real])], by_title) == []


def test_checks_catch_missing_keyword_and_bad_shapes(by_title: dict[str, list[Entry]]) -> None:
    para = {"kind": "paraphrase", "gold_titles": ["Pointer Networks"]}
    assert keyword_problems([_q(id="q903", keywords=["Delaunay", "Mars rover"], **para)], by_title) == [
        "q903: keyword 'Mars rover' occurs in no gold entry ['Pointer Networks']"
    ]
    assert keyword_problems([_q(keywords=["delaunay", "Jun 9, 2015"], **para)], by_title) == []
    quoted = _q(id="q904", question="What does 'Pointer Networks' solve?", keywords=["convex hulls"], **para)
    too_long = _q(id="q905", gold_titles=[f"T{i}" for i in range(11)])
    one_kw = _q(id="q906", kind="two_part", gold_titles=["Pointer Networks"], keywords=["3"])
    problems = shape_problems([quoted, too_long, one_kw])
    assert [p.split(":")[0] for p in problems] == ["q904", "q905", "q906"]
