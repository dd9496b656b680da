"""A scaled corpus: N times the seed corpus, written as seed-format files that the real parsers read.

Copy 0 is the seed files themselves. Every further copy holds one new entry per seed entry, of the same kind and
written in the same format (tutorial listing, paper library, daily-papers page, symposium agenda + abstracts):
its title joins the first half of one seed title to the second half of another (separators dropped, so no seed
title or title head is a substring of it), its people are seed first names with new surnames, its abstract is as
many real seed sentences, drawn at random, as the entry it stands for has. Talks keep their weekday but move by
whole weeks and off the seed's ten-minute grid, so the seed's (day, time) slots stay unique. Everything is drawn
from one ``random.Random(seed)``: the same factor and seed write the same bytes.

    python -m evals.bench.scale_corpus --factor 10 --out /tmp/seeds10 [--seed 13]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.corpus import load_corpus, seed_files
from index.entries import Entry
from index.text import normalize_title, split_sentences

_SEPARATORS = re.compile(r"\s*(?::|—|–| - |\?|!)\s*")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})\s*([ap])m$", re.I)
_FILLERS = ("revisited", "at scale", "in practice", "beyond benchmarks", "for science", "made simple")
_ORDINALS = {1: "st", 2: "nd", 3: "rd"}
_DAILY_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}(, \d{4})?$")


@dataclass
class _Pools:
    """What copies are recombined from: seed sentences, first names, surnames, affiliations, dates."""

    sentences: list[str]
    first_names: list[str]
    surnames: list[str]
    affiliations: list[str]
    paper_dates: list[str]
    seed_titles: set[str]
    used_titles: set[str] = field(default_factory=set)
    used_people: set[str] = field(default_factory=set)


def _pools(entries: Sequence[Entry]) -> _Pools:
    people = [p for e in entries for p in e.people]
    sentences = sorted({s.strip() for e in entries for s in split_sentences(e.text or "") if len(s.split()) >= 4})
    sentences = [s for s in sentences if not s.startswith(("-", "*", "#", "<"))]
    return _Pools(
        sentences=sentences,
        first_names=sorted({p.split()[0] for p in people if len(p.split()) >= 2}),
        surnames=sorted({p.split()[-1] for p in people if len(p.split()) >= 2 and len(p.split()[-1]) >= 4}),
        affiliations=sorted({e.affiliation for e in entries if e.affiliation}),
        paper_dates=sorted({e.date for e in entries if e.kind == "paper" and e.date and _DAILY_DATE.match(e.date)}),
        seed_titles={normalize_title(e.title) for e in entries},
        used_people={p.lower() for p in people},
    )


def _title(rng: random.Random, pools: _Pools, first: str, second: str, kind: str) -> str:
    """First half of one title + second half of another, unique among generated and seed titles."""
    a = _SEPARATORS.sub(" ", first).split()
    b = _SEPARATORS.sub(" ", second).split()
    head, tail = " ".join(a[: max(1, (len(a) + 1) // 2)]), " ".join(b[len(b) // 2 :])
    base = f"{head} {tail}".strip()
    # A filler between the halves breaks a seed title that spans the join; a number settles the rest.
    fillers = [f"{head} {f} {tail}".strip() for f in rng.sample(_FILLERS, len(_FILLERS))]
    numbered = (f"{head} {rng.choice(_FILLERS)} {tail} {n}".strip() for n in range(2, 10_000))
    for title in itertools.chain([base], fillers, numbered):
        norm = normalize_title(title)
        key = f"{kind}|{norm}"
        if key in pools.used_titles or len(norm) < 4:
            continue
        if any(seed in norm for seed in pools.seed_titles if len(seed) >= 12) or norm in pools.seed_titles:
            continue
        pools.used_titles.add(key)
        return title
    raise RuntimeError(f"no unique title left for {base!r}")


def _surname(rng: random.Random, pools: _Pools) -> str:
    a, b = rng.choice(pools.surnames), rng.choice(pools.surnames)
    return a[: max(2, len(a) // 2)] + b[len(b) // 2 :].lower()


def _person(rng: random.Random, pools: _Pools) -> str:
    """A new name: a seed first name and a surname glued from two seed surnames (never a seed person)."""
    for _ in range(1000):
        name = f"{rng.choice(pools.first_names)} {_surname(rng, pools)}"
        if name.lower() not in pools.used_people:
            pools.used_people.add(name.lower())
            return name
    raise RuntimeError("no unique person name left")


def _abstract(rng: random.Random, pools: _Pools, like: Entry) -> list[str]:
    n = len([s for s in split_sentences(like.text or "") if s.strip()])
    return [rng.choice(pools.sentences) for _ in range(n)]


def _paragraphs(sentences: Sequence[str], per_line: int = 3) -> list[str]:
    return [" ".join(sentences[i : i + per_line]) for i in range(0, len(sentences), per_line)]


@dataclass
class _Copy:
    """The entries of one copy, already recombined, grouped by the format they are written in."""

    number: int
    tutorials: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    library: list[tuple[str, list[str]]] = field(default_factory=list)
    daily: list[tuple[str, list[str], int | None, str | None]] = field(default_factory=list)
    talks: list[tuple[Entry, str, str, str, list[str]]] = field(default_factory=list)


def _make_copy(number: int, entries: Sequence[Entry], rng: random.Random, pools: _Pools) -> _Copy:
    copy = _Copy(number)
    others = list(entries)
    rng.shuffle(others)
    for entry, other in zip(entries, others, strict=True):
        title = _title(rng, pools, entry.title, other.title, entry.kind)
        text = _abstract(rng, pools, entry)
        if entry.kind == "tutorial":
            people = [_person(rng, pools) for _ in entry.presenters or [""]]
            copy.tutorials.append((title, people, text))
        elif entry.kind == "talk":
            speaker = _person(rng, pools)
            affiliation = entry.affiliation or rng.choice(pools.affiliations)
            tbd = entry.title.startswith("TBD")
            copy.talks.append((entry, "TBD" if tbd else title, speaker, affiliation, text))
        elif entry.collection == "Daily Papers" or entry.authors_count is not None:
            date = entry.date if entry.date and _DAILY_DATE.match(entry.date) else None
            copy.daily.append((title, text, entry.authors_count, date or rng.choice(pools.paper_dates or [None])))
        else:
            copy.library.append((title, text))
    return copy


def _tutorials_file(copy: _Copy) -> str:
    lines = ["Tutorials"]
    for title, people, text in copy.tutorials:
        lines += [title, " ⋅ ".join(people), *_paragraphs(text), "View full details"]
    return "\n".join(lines) + "\n"


def _library_file(copy: _Copy) -> str:
    lines = ["Research Papers", f"{len(copy.library)} papers in library"]
    for title, text in copy.library:
        lines += [title, " ".join(text) or title]
    return "\n".join(lines) + "\n"


def _daily_file(copy: _Copy) -> str:
    lines = ["Daily Papers", "", "byAK and the research community", "", f"Jan {copy.number % 28 + 1}", ""]
    for title, text, authors, date in copy.daily:
        lines += [title, "", " ".join(text) or title, ""]
        if authors is not None:
            lines += [f"  • {authors} authors", "·"]
        lines += [date or "Jan 1, 2024", ""]
    return "\n".join(lines) + "\n"


def _shift_time(value: str, number: int) -> str:
    """The seed's times are on a ten-minute grid; a copy's are 1-4 minutes later, so they never collide with it."""
    m = _TIME.match(value.strip())
    if not m:
        return value
    hour, minute = int(m.group(1)), int(m.group(2)) + 1 + number % 4
    return f"{hour}:{minute:02d} {m.group(3).lower()}m"


def _symposium_file(copy: _Copy) -> str:
    if not copy.talks:
        return ""
    # Same weekdays, whole weeks later, within one year (the parser reads one year per page).
    year = 2024 + copy.number // 8
    first = dt.date(year, 9, 2)
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (copy.number % 8))
    weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    by_day: dict[str, list[tuple[Entry, str, str, str, list[str]]]] = {}
    for talk in copy.talks:
        by_day.setdefault(talk[0].day or "Monday", []).append(talk)
    days = sorted(by_day, key=lambda d: weekdays.index(d) if d in weekdays else 0)

    def heading(day: str) -> str:
        date = monday + dt.timedelta(days=weekdays.index(day) if day in weekdays else 0)
        return f"{day}, {date.day} {date.strftime('%B')}"

    n = copy.number + 1
    event = f"{n}{_ORDINALS.get(n % 10 if n % 100 not in (11, 12, 13) else 0, 'th')} Scaled Symposium on Learning"
    last = monday + dt.timedelta(days=4)
    lines = [f"# {event}", "", f"From Monday {monday.day} {monday:%B} to Friday {last.day} {last:%B} {year}", ""]
    lines += ["Rovinj, Croatia", "", "## Agenda", ""]
    for day in days:
        lines += [f"### {heading(day)}", ""]
        for entry, title, speaker, _aff, _text in by_day[day]:
            lines.append(f"<b>{_shift_time(entry.time or '9:00 am', copy.number)}</b>\t{title}\t{speaker}")
        lines.append("")
    for day in days:
        lines += [f"## Abstracts — {heading(day)}", "", "---", ""]
        for entry, title, speaker, affiliation, text in by_day[day]:
            lines += [f"{_shift_time(entry.time or '9:00 am', copy.number)}     **{speaker}** — {affiliation}", ""]
            if text:
                lines += [f"### {title}" if title != "TBD" else "### TBD", ""]
                lines += [p for para in _paragraphs(text) for p in (para, "")]
    return "\n".join(lines) + "\n"


def write_scaled_corpus(seeds_dir: Path, out_dir: Path, factor: int, seed: int = 13) -> list[Path]:
    """Write ``factor`` copies of the corpus in ``seeds_dir`` into ``out_dir`` (emptied first); the files written."""
    if factor < 1:
        raise ValueError(f"factor must be at least 1, got {factor}")
    corpus = load_corpus(seeds_dir, strict=True)
    entries = sorted(corpus.entries, key=lambda e: e.id)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written = []
    for path in seed_files(seeds_dir):
        target = out_dir / f"c000_{path.name}"
        shutil.copyfile(path, target)
        written.append(target)
    rng = random.Random(seed)
    pools = _pools(entries)
    for number in range(1, factor):
        copy = _make_copy(number, entries, rng, pools)
        parts = {
            "tutorials": _tutorials_file(copy) if copy.tutorials else "",
            "library": _library_file(copy) if copy.library else "",
            "daily": _daily_file(copy) if copy.daily else "",
            "symposium": _symposium_file(copy),
        }
        for name, text in parts.items():
            if text:
                target = out_dir / f"c{number:03d}_{name}.txt"
                target.write_text(text, encoding="utf-8")
                written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a scaled corpus."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, required=True, help="copies of the seed corpus (1 = the seeds)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (emptied first)")
    parser.add_argument("--seeds", type=Path, default=Path("seeds"), help="the seed folder to scale")
    parser.add_argument("--seed", type=int, default=13, help="random seed (same seed, same files)")
    args = parser.parse_args(argv)
    if args.factor < 1:
        print(f"error: --factor must be at least 1, got {args.factor}", file=sys.stderr)
        return 1
    try:
        files = write_scaled_corpus(args.seeds, args.out, args.factor, args.seed)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} seed files for factor {args.factor} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
