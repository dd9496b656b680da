"""The labelled support set: the real file meets its quotas, the validator names every problem, the split is sound."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.support_labels import (
    CATEGORIES,
    DEFAULT_LABELS,
    LabelledClaim,
    LabelsFileError,
    label_stats,
    load_labels,
    main,
    split_labels,
)

SEED_NAME = "900_test.txt"
SEED_TEXT = (
    "Tutorials\nA Tiny Tutorial\nAda Lovelace\nThe tutorial is split in   three parts.\n"
    "It ends with a code demo. Participants need a laptop.\n"
)
MIN_PER_UNSUPPORTED_CATEGORY = 10
KIND_OF_FILE = {  # which kind of entry each seed file holds
    "000_fd45bc4d7915428a.txt": "tutorial",
    "001_0afc165511f16759.txt": "paper",
    "002_5ebcb6642b623e7b.txt": "paper",
    "003_c10c96c1afa68c83.txt": "talk",
    "004_d8db48d4075f29ae.txt": "paper",
}


def _record(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "t1",
        "claim": "The tutorial has three parts.",
        "evidence": "The tutorial is split in three parts.",
        "entry_title": "A Tiny Tutorial",
        "source_file": SEED_NAME,
        "label": "supported",
        "category": "verbatim",
        "reason": "says three parts",
        "origin": "constructed",
    }
    base.update(overrides)
    return base


@pytest.fixture()
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / SEED_NAME).write_text(SEED_TEXT, encoding="utf-8")
    return folder


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def real() -> list[LabelledClaim]:
    return load_labels()


def test_real_file_is_large_and_balanced(real: list[LabelledClaim]) -> None:
    stats = label_stats(real)
    assert stats["total"] >= 150
    assert 0.42 <= stats["unsupported_share"] <= 0.55, stats["label"]


def test_real_file_has_every_category_with_its_minimum(real: list[LabelledClaim]) -> None:
    counts = Counter(c.category for c in real)
    for category in CATEGORIES["unsupported"]:
        assert counts[category] >= MIN_PER_UNSUPPORTED_CATEGORY, (category, counts[category])
    for category in CATEGORIES["supported"]:
        assert counts[category] >= 1, category
    assert counts["paraphrase"] >= 25


def test_real_file_spreads_over_files_kinds_and_origins(real: list[LabelledClaim]) -> None:
    files = Counter(c.source_file for c in real)
    assert set(files) == set(KIND_OF_FILE), files
    assert {KIND_OF_FILE[f] for f in files} == {"paper", "talk", "tutorial"}
    origins = Counter(c.origin for c in real)
    assert origins["assistant"] >= 20
    assert origins["constructed"] >= 100


def test_real_file_claims_are_single_lines_with_reasons(real: list[LabelledClaim]) -> None:
    for claim in real:
        assert "\n" not in claim.claim and "\n" not in claim.reason, claim.id
        assert claim.claim.strip() != claim.evidence.strip() or claim.category == "verbatim", claim.id


_STOP = set(
    "a an the of in on for to and or by with from as at is are was were be been that this these those it its their "
    "they them which who what when where how than then also can could may might will would not no only into over "
    "under about such via per each both all any more most less few many much one two three".split()
)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 2}


def test_real_file_has_paraphrases_that_share_few_words(real: list[LabelledClaim]) -> None:
    """Supported paraphrases must not be near-copies: at most 40% of the claim's content words in the evidence."""
    low_overlap = [
        c.id
        for c in real
        if c.category == "paraphrase"
        and len(_content_words(c.claim) & _content_words(c.evidence)) <= 0.4 * len(_content_words(c.claim))
    ]
    assert len(low_overlap) >= 25, low_overlap


# ---------------------------------------------------------------- validation


def test_valid_file_loads_with_whitespace_collapsed(tmp_path: Path, seeds: Path) -> None:
    rec = _record(evidence="It ends with a\ncode demo.  Participants need a laptop.")
    claims = load_labels(_write(tmp_path, [json.dumps(rec)]), seeds_dir=seeds)
    assert [c.id for c in claims] == ["t1"]
    assert claims[0].supported and claims[0].evidence.startswith("It ends")


BAD_LINES = [
    ("invalid_json", '{"id": "t1", "claim": ', "(line)", "invalid JSON"),
    ("not_object", "[1, 2]", "(line)", "expected a JSON object"),
    ("unknown_field", json.dumps(_record(score=1)), "score", "unknown field"),
    ("missing_field", json.dumps({k: v for k, v in _record().items() if k != "reason"}), "reason", "missing"),
    ("wrong_type", json.dumps(_record(claim=3)), "claim", "must be a string"),
    ("blank", json.dumps(_record(claim="  ")), "claim", "must not be blank"),
    ("bad_label", json.dumps(_record(label="maybe")), "label", "must be one of"),
    ("category_for_other_label", json.dumps(_record(category="number_swap")), "category", "for label 'supported'"),
    ("bad_origin", json.dumps(_record(origin="gpt")), "origin", "must be one of"),
    ("evidence_changed", json.dumps(_record(evidence="The tutorial is split in four parts.")), "evidence", "not found"),
    ("title_unknown", json.dumps(_record(entry_title="A Huge Tutorial")), "entry_title", "not found"),
    ("unknown_source", json.dumps(_record(source_file="999_nope.txt")), "source_file", "no seed file"),
    ("path_source", json.dumps(_record(source_file=f"../seeds/{SEED_NAME}")), "source_file", "no seed file"),
    ("evidence_too_long", json.dumps(_record(evidence="x" * 1600)), "evidence", "1-3 sentences"),
]


@pytest.mark.parametrize(("line", "field", "message"), [b[1:] for b in BAD_LINES], ids=[b[0] for b in BAD_LINES])
def test_each_kind_of_problem_names_line_and_field(
    tmp_path: Path, seeds: Path, line: str, field: str, message: str
) -> None:
    good = json.dumps(_record(id="t0"))
    path = _write(tmp_path, [good, "", line])
    with pytest.raises(LabelsFileError) as err:
        load_labels(path, seeds_dir=seeds)
    assert f"{path}:3: field '{field}':" in str(err.value)
    assert message in str(err.value)
    assert all(":1:" not in p for p in err.value.problems), "the good first line must not be blamed"


def test_duplicate_id_names_both_lines(tmp_path: Path, seeds: Path) -> None:
    path = _write(tmp_path, [json.dumps(_record()), json.dumps(_record(claim="Three parts make the tutorial."))])
    with pytest.raises(LabelsFileError) as err:
        load_labels(path, seeds_dir=seeds)
    assert f"{path}:2: field 'id': duplicate id 't1' (first on line 1)" in str(err.value)


def test_every_problem_is_listed_at_once(tmp_path: Path, seeds: Path) -> None:
    path = _write(tmp_path, [json.dumps(_record(label="yes", origin="x")), "nope"])
    with pytest.raises(LabelsFileError) as err:
        load_labels(path, seeds_dir=seeds)
    fields = [p.split("field '")[1].split("'")[0] for p in err.value.problems]
    assert fields == ["label", "origin", "(line)"]


def test_empty_and_missing_files_are_errors(tmp_path: Path, seeds: Path) -> None:
    with pytest.raises(LabelsFileError, match="no labelled pairs"):
        load_labels(_write(tmp_path, [""]), seeds_dir=seeds)
    with pytest.raises(LabelsFileError, match="cannot read file"):
        load_labels(tmp_path / "absent.jsonl", seeds_dir=seeds)


def test_cli_reports_problems_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path, ["{"])
    assert main([str(bad)]) == 1
    assert "invalid JSON" in capsys.readouterr().err
    assert main([str(DEFAULT_LABELS)]) == 0
    assert json.loads(capsys.readouterr().out)["total"] >= 150


# ---------------------------------------------------------------- split and stats


def _claims(n_supported: int, n_unsupported: int) -> list[LabelledClaim]:
    out = []
    for i in range(n_supported + n_unsupported):
        label = "supported" if i < n_supported else "unsupported"
        category = "paraphrase" if label == "supported" else "role_swap"
        out.append(LabelledClaim(f"c{i:03d}", f"claim {i}", "ev", "T", SEED_NAME, label, category, "r", "constructed"))
    return out


def test_split_is_deterministic_disjoint_and_stratified() -> None:
    claims = _claims(31, 24)
    tune, report = split_labels(claims)
    again = split_labels(list(reversed(claims)))
    assert {c.id for c in tune} == {c.id for c in again[0]}
    assert not {c.id for c in tune} & {c.id for c in report}
    assert len(tune) + len(report) == len(claims)
    assert Counter(c.label for c in tune) == {"supported": round(31 * 0.5), "unsupported": round(24 * 0.5)}
    assert [c.id for c in tune] == sorted(c.id for c in tune), "halves keep the input order"


def test_split_depends_on_seed_and_fraction() -> None:
    claims = _claims(40, 40)
    first = {c.id for c in split_labels(claims, seed=0)[0]}
    assert first != {c.id for c in split_labels(claims, seed=1)[0]}
    tune, _ = split_labels(claims, fraction=0.25, seed=3)
    assert Counter(c.label for c in tune) == {"supported": 10, "unsupported": 10}
    shuffled = claims[:]
    random.Random(5).shuffle(shuffled)
    assert {c.id for c in split_labels(shuffled, fraction=0.25, seed=3)[0]} == {c.id for c in tune}


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_split_rejects_bad_fraction(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction must be strictly between 0 and 1"):
        split_labels(_claims(2, 2), fraction=fraction)


def test_split_rejects_duplicate_ids() -> None:
    claims = _claims(2, 2)
    with pytest.raises(ValueError, match="unique ids"):
        split_labels([*claims, claims[0]])


def test_label_stats_counts() -> None:
    stats = label_stats(_claims(3, 1))
    assert stats["total"] == 4
    assert stats["unsupported_share"] == 0.25
    assert stats["label"] == {"supported": 3, "unsupported": 1}
    assert stats["category"] == {"paraphrase": 3, "role_swap": 1}
    assert stats["origin"] == {"constructed": 4}
    assert stats["source_file"] == {SEED_NAME: 4}
