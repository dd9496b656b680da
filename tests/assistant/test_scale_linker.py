"""The indexed entity linker finds what a scan of every entry finds, in the same order, on the seed corpus and on a
scaled one (where most entries are distractors), and links a question once for both of its callers."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from assistant.entity_linking import _AFFIL_STOP, EntityLinker, _canon_time, _words, parse_day
from evals.bench.scale_corpus import write_scaled_corpus
from index.corpus import load_corpus
from index.entries import Entry
from index.text import STOP_WORDS, normalize_title
from tests.helpers import REPO, SEEDS


class ScanLinker(EntityLinker):
    """The linker as it was: every entry looked at for every question (the reference)."""

    def by_day_time(self, day: str | None, time: str | None) -> list[Entry]:
        talks = [e for e in self.entries if e.kind == "talk"]
        if day:
            talks = [e for e in talks if (e.day or "").lower() == day.lower()]
        if time:
            talks = [e for e in talks if _canon_time(e.time) == time]
        return talks

    def by_person(self, question: str) -> list[Entry]:
        q_words = set(_words(question))
        full, partial = [], []
        for e in self.entries:
            for person in e.people:
                tokens = [t for t in _words(person) if len(t) > 1]
                if tokens and all(t in q_words for t in tokens):
                    full.append(e)
                    break
                if (
                    len(tokens) >= 2
                    and len(tokens[-1]) >= 4
                    and tokens[-1] in q_words
                    and re.search(rf"\b{re.escape(person.split()[-1])}\b", question)
                ):
                    partial.append(e)
                    break
        return full or partial

    def by_title(self, question: str) -> list[Entry]:
        q = normalize_title(question)
        q_words = set(q.split())
        quoted = re.findall(r"[\"“'‘]([^\"”’]{8,})[\"”'’]", question)
        hits: list[tuple[float, Entry, set[str]]] = []
        for e in self.entries:
            t = normalize_title(e.title)
            if len(t) < 12 or t.startswith("tbd"):
                continue
            if t in q:
                hits.append((100.0 + len(t), e, set(t.split()) - STOP_WORDS))
                continue
            has_sep = bool(re.search(r":| — | – | - ", e.title))
            head = normalize_title(re.split(r":| — | – | - ", e.title)[0])
            head_words = set(head.split()) - STOP_WORDS
            if has_sep and len(head) >= 6 and re.search(rf"\b{re.escape(head)}\b(?! \d+\b)", q):
                hits.append((95.0, e, head_words))
                continue
            if has_sep and len(head_words) >= 3 and head_words <= q_words:
                hits.append((94.0, e, head_words))
                continue
            for qt in quoted:
                score = fuzz.token_set_ratio(normalize_title(qt), t)
                if score >= 90:
                    hits.append((score, e, set(t.split()) - STOP_WORDS))
        hits.sort(key=lambda x: -x[0])
        return [e for _, e, matched in hits if not any(matched < other for _, _, other in hits)]

    def by_affiliation(self, question: str) -> list[Entry]:
        q_words = set(_words(question))
        out = []
        for e in self.entries:
            if not e.affiliation:
                continue
            key = [w for w in _words(e.affiliation) if w not in _AFFIL_STOP and len(w) > 2]
            if key and all(w in q_words for w in key):
                out.append(e)
        return out


def _questions(entries: Sequence[Entry]) -> list[str]:
    dev = [json.loads(line)["question"] for line in (REPO / "evals" / "dev_set.jsonl").read_text().splitlines()]
    named = []
    for e in entries[::29]:
        named.append(f"Who presents “{e.title}”?")
        named.append(f"What is {e.title.split(':')[0]} about?")
        for person in e.people[:1]:
            named += [f"What does {person} talk about?", f"Which talk is by {person.split()[-1]}?"]
        if e.affiliation:
            named.append(f"Which speakers are from {e.affiliation}?")
    return dev[::4] + named + ["Who talks at 4:20 pm on Wednesday?", "Which talks are on 2 October?", "What is it?"]


def _ids(entries: Sequence[Entry]) -> list[str]:
    return [e.id for e in entries]


@pytest.mark.parametrize("factor", [1, 2])
def test_indexed_linker_finds_what_the_scan_found(tmp_path: Path, factor: int) -> None:
    write_scaled_corpus(SEEDS, tmp_path / "seeds", factor)
    entries = load_corpus(tmp_path / "seeds").entries
    indexed, scan = EntityLinker(entries), ScanLinker(entries)
    questions = _questions(entries)
    linked = 0
    for q in questions:
        for method in ("by_person", "by_title", "by_affiliation"):
            assert _ids(getattr(indexed, method)(q)) == _ids(getattr(scan, method)(q)), (method, q)
        found = indexed.link(q, entries[:2])
        assert _ids(found) == _ids(scan.link(q, entries[:2])), q
        linked += bool(found)
    assert linked > len(questions) // 3  # the questions do name entries: the comparison is not of empty lists
    assert _ids(indexed.by_day_time("Wednesday", "4:20 pm")) == _ids(scan.by_day_time("Wednesday", "4:20 pm"))
    assert parse_day("on 2 October", indexed) == parse_day("on 2 October", entries) == "Wednesday"


def test_a_question_is_linked_once_for_both_callers() -> None:
    entries = load_corpus(SEEDS).entries
    linker = EntityLinker(entries)
    calls = []
    real = linker._link
    linker._link = lambda q, focus: calls.append(q) or real(q, focus)  # type: ignore[method-assign]
    first = linker.link("Who talks at 4:20 pm on Wednesday?")
    first.clear()  # callers get their own list
    again = linker.link("Who talks at 4:20 pm on Wednesday?")
    assert again and calls == ["Who talks at 4:20 pm on Wednesday?"]
    linker.link("Who talks at 4:20 pm on Wednesday?", entries[:1])  # another focus is another question
    assert len(calls) == 2
