"""``assistant eval judges``: every chosen judge scored against the labelled support set, as JSON and markdown.

Each run writes ``<out>/judges-YYYYmmdd-HHMMSS/judges.json`` (figures, thresholds, per-item verdicts) and
``judges.md`` (the table). Thresholds are chosen on the calibration split; the figures are on the test split.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.judges.agreement import evaluate_judge
from evals.report import fmt
from evals.store import RunStore, file_sha256, machine_info, new_run_dir

if TYPE_CHECKING:
    from evals.judges.base import SupportJudge

__all__ = ["render_judges_markdown", "run_judges"]


def run_judges(
    labels_path: Path,
    judges: Mapping[str, Callable[[], SupportJudge]],
    out_dir: Path,
    *,
    limit: int | None = None,
    seeds_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Score every judge (built lazily by its factory) on the labels at ``labels_path``; write the run folder.

    ``limit`` keeps the first N labelled items (before the split). Returns (run folder, report)."""
    from evals.support_labels import label_stats, load_labels, split_labels

    claims = load_labels(labels_path, seeds_dir=seeds_dir) if seeds_dir else load_labels(labels_path)
    claims = claims[:limit] if limit else claims
    calibration, test = split_labels(claims)
    started, t0 = datetime.now(), time.perf_counter()
    results: list[dict[str, Any]] = []
    for name, factory in judges.items():
        if progress:
            progress(f"judge {name}: {len(claims)} items")
        try:
            judge = factory()
        except (ValueError, OSError, RuntimeError) as exc:  # a judge that cannot be set up is reported, not fatal
            results.append({"judge": name, "setup_error": f"{type(exc).__name__}: {exc}"})
            continue
        results.append(evaluate_judge(judge, calibration, test))
    report = {
        "labels": str(labels_path),
        "labels_sha256": file_sha256(labels_path),
        "label_stats": label_stats(claims),
        "n_calibration": len(calibration),
        "n_test": len(test),
        "limit": limit,
        "started_at": started.isoformat(timespec="seconds"),
        "wall_seconds": time.perf_counter() - t0,
        "machine": machine_info(),
        "judges": results,
    }
    run_dir = new_run_dir(Path(out_dir), prefix="judges-")
    store = RunStore(run_dir)
    store.write_json("judges.json", report)
    (run_dir / "judges.md").write_text(render_judges_markdown(report), encoding="utf-8")
    return run_dir, report


def judge_rows(results: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """One table row per judge: figures on the test split, threshold, failures and cost."""
    rows = []
    for r in results:
        if "setup_error" in r:
            rows.append([r["judge"], *["–"] * 7, f"not run: {r['setup_error']}"])
            continue
        t = r["test"]
        threshold = fmt(r["threshold"]) + (" (calibrated)" if r["threshold_chosen_on_calibration"] else " (fixed)")
        rows.append(
            [
                r["judge"],
                fmt(t["balanced_accuracy"]),
                fmt(t["precision_unsupported"]),
                fmt(t["recall_unsupported"]),
                fmt(t["kappa"]),
                f"{t['failures'] + r['calibration_failures']}",
                fmt(r["seconds_per_item"], 4),
                threshold,
                ", ".join(f"{k} {v}" for k, v in r["failure_reasons"].items()),
            ]
        )
    return rows


def render_judges_markdown(report: Mapping[str, Any]) -> str:
    """The readable ``judges.md``."""
    stats = report["label_stats"]
    header = ["judge", "balanced acc.", "P unsupported", "R unsupported", "kappa", "failures", "s/item", "threshold"]
    lines = [
        "# Support judges against the labelled set",
        "",
        f"- labels: `{report['labels']}` ({stats['total']} items, {stats['unsupported_share']:.0%} unsupported); "
        f"thresholds chosen on a calibration split of {report['n_calibration']}, figures on the test split of "
        f"{report['n_test']}",
        f"- wall time {report['wall_seconds']:.1f} s on {report['machine']['cpu_count']} CPUs",
        "",
        "| " + " | ".join([*header, "failure reasons"]) + " |",
        "|" + "|".join("---" for _ in range(len(header) + 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in judge_rows(report["judges"])]
    lines += ["", "Per category on the test split (right / n):", ""]
    ran = [r for r in report["judges"] if "per_category" in r]
    categories = sorted({c for r in ran for c in r["per_category"]})
    lines += ["| category | " + " | ".join(r["judge"] for r in ran) + " |", "|---" * (len(ran) + 1) + "|"]
    for cat in categories:
        cells = [
            f"{r['per_category'][cat]['right']}/{r['per_category'][cat]['n']}" if cat in r["per_category"] else "–"
            for r in ran
        ]
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    lines += _all_items_lines(report["judges"])
    return "\n".join(lines) + "\n"


def _all_items_lines(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """Judges with a fixed decision on every labelled item: overall and per kind of claim (error kinds for the
    unsupported, kinds of faithful wording for the supported)."""
    fixed = [r for r in results if r.get("all")]
    if not fixed:
        return []
    lines = [
        "",
        "Judges with a fixed decision (nothing chosen on these labels), on all items:",
        "",
        "| judge | n | balanced acc. | R unsupported | accepts supported | kappa |",
        "|---|---|---|---|---|---|",
    ]
    for r in fixed:
        a = r["all"]
        lines.append(
            f"| {r['judge']} | {a['n']} | {fmt(a['balanced_accuracy'])} | {fmt(a['recall_unsupported'])} | "
            f"{fmt(a['recall_supported'])} | {fmt(a['kappa'])} |"
        )
    categories = sorted({c for r in fixed for c in r["per_category_all"]})
    lines += ["", "Per kind on all items (right / n):", ""]
    lines += ["| kind | " + " | ".join(r["judge"] for r in fixed) + " |", "|---" * (len(fixed) + 1) + "|"]
    for cat in categories:
        cells = [
            f"{r['per_category_all'][cat]['right']}/{r['per_category_all'][cat]['n']}"
            if cat in r["per_category_all"]
            else "–"
            for r in fixed
        ]
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    return lines
