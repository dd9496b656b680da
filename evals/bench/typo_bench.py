"""Typo tolerance benchmark: retrieval hit@5 on the dev set, clean and with typos injected, with the spelling
corrector (assistant/spelling.py) on and off. Real index, real embedder; no language model.

    python -m evals.bench.typo_bench [--data-dir DIR] [--typos 2] [--seed 7] [--json]

Typos are injected deterministically (seeded per question) into up to ``--typos`` content words of each
answerable question that the corpus vocabulary contains (five letters or more): a dropped, doubled, swapped or
replaced letter, never producing another vocabulary word. Prints hit@5 for the four runs, the loss typos cause with
and without correction (the target: at most 0.05 with correction), and how often clean questions were changed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import index  # noqa: F401  (offline defaults first)
from assistant import spelling
from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from evals.gold import load_gold
from index.settings import IndexSettings
from index.text import STOP_WORDS, fold, normalize_title

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "evals" / "dev_set.jsonl"
_WORD = re.compile(r"[A-Za-z]{5,}")
_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def inject_typos(question: str, vocabulary: set[str], count: int, rng: random.Random) -> tuple[str, list[str]]:
    """The question with up to ``count`` vocabulary words misspelled, and the words changed."""
    spans = [m for m in _WORD.finditer(question) if fold(m.group()) in vocabulary and fold(m.group()) not in STOP_WORDS]
    rng.shuffle(spans)
    chosen = sorted(spans[:count], key=lambda m: m.start())
    out, last, changed = [], 0, []
    for m in chosen:
        word = m.group()
        typo = word
        for _ in range(20):
            typo = _misspell(word, rng)
            if fold(typo) not in vocabulary and typo != word:
                break
        out += [question[last : m.start()], typo]
        last = m.end()
        changed.append(word)
    out.append(question[last:])
    return "".join(out), changed


def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)  # keep the first letter, as most typos do
    edit = rng.choice(("drop", "double", "swap", "replace"))
    if edit == "drop":
        return word[:i] + word[i + 1 :]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(_NEIGHBOURS.replace(word[i].lower(), "")) + word[i + 1 :]


def hit_at_5(assistant: Assistant, question: str, gold: list[str]) -> bool:
    """Whether a gold title is among the top five retrieved entries."""
    wanted = {normalize_title(t) for t in gold}
    return any(normalize_title(p.title) in wanted for p in assistant.retrieve(question, k=5))


def run(data_dir: Path | None, typos: int, seed: int) -> dict[str, Any]:
    """All four runs; returns the figures."""
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="typo-bench-")
        data_dir = Path(tmp.name)
    settings = Settings(index=IndexSettings(data_dir=data_dir, seeds_dir=ROOT / "seeds"))
    assistant = Assistant(settings, chat_model=ScriptedChatModel("unused"))
    vocabulary = set(spelling.speller_for(assistant.corpus).counts)
    questions = [q for q in load_gold(DEV_SET) if q.answerable and q.gold_titles]
    cases = []
    for q in questions:
        typo_q, changed = inject_typos(q.question, vocabulary, typos, random.Random(f"{seed}:{q.id}"))
        if changed:
            cases.append((q, typo_q, changed))
    figures: dict[str, Any] = {"questions": len(cases), "typos_per_question": typos, "seed": seed}
    started = time.perf_counter()
    for enabled in (False, True):
        spelling.ENABLED = enabled
        tag = "on" if enabled else "off"
        figures[f"clean_hit5_correction_{tag}"] = _rate(assistant, [(q.question, q.gold_titles) for q, _, _ in cases])
        figures[f"typo_hit5_correction_{tag}"] = _rate(assistant, [(t, q.gold_titles) for q, t, _ in cases])
    spelling.ENABLED = True
    speller = spelling.speller_for(assistant.corpus)
    figures["clean_questions_changed"] = sum(speller.correct(q.question) != q.question for q, _, _ in cases)
    repaired = sum(fold(speller.correct(t)) == fold(q.question) for q, t, _ in cases)
    figures["typo_questions_fully_repaired"] = repaired
    figures["loss_without_correction"] = round(
        figures["clean_hit5_correction_off"] - figures["typo_hit5_correction_off"], 4
    )
    figures["loss_with_correction"] = round(figures["clean_hit5_correction_on"] - figures["typo_hit5_correction_on"], 4)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["target_met"] = figures["loss_with_correction"] <= 0.05
    if tmp is not None:
        tmp.cleanup()
    return figures


def _rate(assistant: Assistant, items: list[tuple[str, list[str]]]) -> float:
    return round(sum(hit_at_5(assistant, q, gold) for q, gold in items) / max(1, len(items)), 4)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="index folder to use (default: a fresh temporary one)")
    parser.add_argument("--typos", type=int, default=2, help="misspelled words per question (default 2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.typos < 1:
        parser.error("--typos must be at least 1")
    figures = run(args.data_dir, args.typos, args.seed)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:34} {value}")
    return 0 if figures["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
