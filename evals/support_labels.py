"""Human-labelled (claim, evidence) pairs for scoring support judges: schema, loader, validator, split.

File format
-----------
UTF-8 JSON Lines, one object per line (blank lines ignored). Every field is a non-empty string:

================  =====================================================================================
field             meaning
================  =====================================================================================
``id``            unique identifier (``s001`` ...)
``claim``         one sentence, as an answer would state it
``evidence``      1-3 consecutive sentences copied verbatim from ``source_file`` (runs of whitespace may
                  be collapsed; nothing else may differ)
``entry_title``   exact title of the paper, talk or tutorial the evidence belongs to (occurs in the file)
``source_file``   seed file name, e.g. ``003_c10c96c1afa68c83.txt`` (a file in the seeds directory)
``label``         ``supported`` or ``unsupported``: does the evidence alone support the whole claim?
``category``      how the claim relates to the evidence; must fit the label (see ``CATEGORIES``)
``reason``        one line saying why the label holds
``origin``        ``constructed`` (written by a person) or ``assistant`` (a sentence the real assistant said)
================  =====================================================================================

Labelling conventions: a claim is ``supported`` only when the evidence alone backs every part of it (numbers,
names, roles, direction, strength of the finding). What the entry *is* counts as known context, not as
something the evidence must state: "the talk", "the paper", "the speaker", the entry's own short name (TabPFN for
the TabPFN paper) refer to ``entry_title``, so a judge may be shown ``entry_title`` beside the evidence.
Constructed claims say "the speaker" / "the presenter" instead of the person's name when the evidence does not
name them; assistant claims are kept as the assistant wrote them (minus ``[n]`` markers).

:func:`load_labels` checks every line and raises one :class:`LabelsFileError` listing every problem as
``<file>:<line>: field '<field>': <message>``. :func:`split_labels` gives a deterministic stratified split
(thresholds are chosen on one half, figures reported on the other) and :func:`label_stats` counts the set.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

__all__ = [
    "ANSWER_ERROR_KINDS",
    "CATEGORIES",
    "DEFAULT_LABELS",
    "DEFAULT_SEEDS",
    "LABELS",
    "ORIGINS",
    "LabelledClaim",
    "LabelsFileError",
    "label_stats",
    "load_labels",
    "split_labels",
]

_REPO = Path(__file__).resolve().parent.parent
DEFAULT_LABELS: Path = _REPO / "evals" / "labels" / "support.jsonl"
DEFAULT_SEEDS: Path = _REPO / "seeds"

LABELS: tuple[str, ...] = ("supported", "unsupported")
CATEGORIES: dict[str, tuple[str, ...]] = {
    "supported": ("verbatim", "paraphrase", "summary"),
    "unsupported": ("number_swap", "role_swap", "overclaim", "flipped_direction", "added_fact", "word_salad"),
}
ANSWER_ERROR_KINDS: tuple[str, ...] = (
    "qualifier_moved",
    "relation_upgraded",
    "truncation_completed",
    "attribution_invented",
    "vacuous",
    "list_condition",
)
"""Further unsupported kinds a labels file may use: the errors a careful reader found in shown answers (issue 26):
a qualifier moved to the other condition, a relation stated stronger, a cut-off abstract completed, an invented
author, a framing sentence that says nothing, a list item not meeting the list's condition."""
ORIGINS: tuple[str, ...] = ("constructed", "assistant")
MAX_EVIDENCE_CHARS = 1500
"""Evidence is meant to be 1-3 sentences; anything longer is almost certainly a pasted paragraph."""


@dataclass(frozen=True)
class LabelledClaim:
    """One labelled pair: does ``evidence`` (from ``entry_title`` in ``source_file``) support ``claim``?"""

    id: str
    claim: str
    evidence: str
    entry_title: str
    source_file: str
    label: str
    category: str
    reason: str
    origin: str

    @property
    def supported(self) -> bool:
        """True when the human label is ``supported``."""
        return self.label == "supported"


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LabelledClaim))


def _allowed(label: str) -> tuple[str, ...]:
    return CATEGORIES[label] + (ANSWER_ERROR_KINDS if label == "unsupported" else ())


class LabelsFileError(ValueError):
    """A labels file failed validation; ``problems`` holds every ``<file>:<line>: field '<f>': <msg>`` line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in labels file {path}:\n{listing}")


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Seeds:
    """Seed files read once each, whitespace collapsed, so evidence can be looked up by substring."""

    def __init__(self, seeds_dir: Path) -> None:
        self.dir = seeds_dir
        self._texts: dict[str, str | None] = {}

    def text(self, name: str) -> str | None:
        if name not in self._texts:
            path = self.dir / name
            ok = "/" not in name and "\\" not in name and name not in (".", "..") and path.is_file()
            self._texts[name] = _collapse(path.read_text(encoding="utf-8")) if ok else None
        return self._texts[name]


def _check_record(data: dict[str, Any], seeds: _Seeds) -> list[tuple[str, str]]:
    """Problems in one parsed line as (field, message) pairs; empty when the record is valid."""
    problems: list[tuple[str, str]] = []
    for key in data:
        if key not in FIELDS:
            problems.append((key, "unknown field"))
    for name in FIELDS:
        if name not in data:
            problems.append((name, "missing"))
        elif not isinstance(data[name], str):
            problems.append((name, f"must be a string, got {type(data[name]).__name__}"))
        elif not data[name].strip():
            problems.append((name, "must not be blank"))
    bad = {f for f, _ in problems}

    def ok(name: str) -> bool:
        return name in data and name not in bad

    if ok("label") and data["label"] not in LABELS:
        problems.append(("label", f"must be one of {', '.join(LABELS)}; got {data['label']!r}"))
    elif ok("label") and ok("category") and data["category"] not in _allowed(data["label"]):
        allowed = ", ".join(_allowed(data["label"]))
        problems.append(("category", f"for label {data['label']!r} must be one of {allowed}; got {data['category']!r}"))
    if ok("origin") and data["origin"] not in ORIGINS:
        problems.append(("origin", f"must be one of {', '.join(ORIGINS)}; got {data['origin']!r}"))
    if ok("evidence") and len(data["evidence"]) > MAX_EVIDENCE_CHARS:
        problems.append(("evidence", f"is {len(data['evidence'])} characters; keep it to 1-3 sentences"))
    if ok("source_file"):
        text = seeds.text(data["source_file"])
        if text is None:
            problems.append(("source_file", f"no seed file {data['source_file']!r} in {seeds.dir}"))
        else:
            for name in ("evidence", "entry_title"):
                if ok(name) and _collapse(data[name]) not in text:
                    problems.append((name, f"not found verbatim in {data['source_file']}: {data[name][:60]!r}"))
    return problems


def load_labels(path: str | Path = DEFAULT_LABELS, seeds_dir: Path | None = None) -> list[LabelledClaim]:
    """Load and validate a labels JSONL file (schema in the module docstring) against the seed files.

    Raises :class:`LabelsFileError` naming file, line and field of every problem: unreadable file, invalid JSON,
    a non-object line, unknown or missing field, bad label/category/origin, duplicate id, unknown source file,
    evidence or title not found in its seed file, or no labelled pair at all.
    """
    path = Path(path)
    seeds = _Seeds(Path(seeds_dir) if seeds_dir is not None else DEFAULT_SEEDS)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsFileError(path, [f"{path}: field '(file)': cannot read file: {exc}"]) from exc
    claims: list[LabelledClaim] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for line_no, raw in enumerate(raw_text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: field '(line)': invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{where}: field '(line)': expected a JSON object, got {type(data).__name__}")
            continue
        found = _check_record(data, seeds)
        problems.extend(f"{where}: field '{name}': {message}" for name, message in found)
        ident = data.get("id")
        if isinstance(ident, str) and ident.strip():
            if ident in first_line:
                problems.append(f"{where}: field 'id': duplicate id {ident!r} (first on line {first_line[ident]})")
                continue
            first_line[ident] = line_no
        if not found:
            claims.append(LabelledClaim(**{name: data[name] for name in FIELDS}))
    if not problems and not claims:
        problems.append(f"{path}: field '(file)': no labelled pairs in the file")
    if problems:
        raise LabelsFileError(path, problems)
    return claims


def split_labels(
    claims: list[LabelledClaim], fraction: float = 0.5, seed: int = 0
) -> tuple[list[LabelledClaim], list[LabelledClaim]]:
    """Split deterministically into (tune, report), stratified by label, ``fraction`` of each label in the first.

    The same claims, fraction and seed always give the same split whatever the input order; both halves keep
    the input order. Use the first half to choose a judge's threshold and report on the second.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be strictly between 0 and 1; got {fraction}")
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError("claims must have unique ids to be split")
    rng = random.Random(seed)
    first: set[str] = set()
    for label in sorted({c.label for c in claims}):
        group = sorted(c.id for c in claims if c.label == label)
        rng.shuffle(group)
        first.update(group[: round(len(group) * fraction)])
    return [c for c in claims if c.id in first], [c for c in claims if c.id not in first]


def label_stats(claims: list[LabelledClaim]) -> dict[str, Any]:
    """Counts of the set: total, unsupported share, and counts per label, category, origin and source file."""
    total = len(claims)
    unsupported = sum(1 for c in claims if c.label == "unsupported")
    return {
        "total": total,
        "unsupported_share": round(unsupported / total, 4) if total else 0.0,
        "label": dict(sorted(Counter(c.label for c in claims).items())),
        "category": dict(sorted(Counter(c.category for c in claims).items())),
        "origin": dict(sorted(Counter(c.origin for c in claims).items())),
        "source_file": dict(sorted(Counter(c.source_file for c in claims).items())),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m evals.support_labels [FILE]``: validate a labels file and print its counts as JSON."""
    args = sys.argv[1:] if argv is None else argv
    try:
        claims = load_labels(args[0] if args else DEFAULT_LABELS)
    except LabelsFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps(label_stats(claims), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
