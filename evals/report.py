"""Reports (pure): headline figures, the comparison with the previous run, and the markdown ``report.md``."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "LOWER_IS_BETTER",
    "METRIC_LABELS",
    "compare_headlines",
    "compare_with_previous",
    "faithfulness_text",
    "fmt",
    "headline_metrics",
    "ms",
    "render_markdown",
    "signed",
]

METRIC_LABELS = {"mrr@10": "MRR@10", "ndcg@10": "nDCG@10"}
_ANSWER_HEADLINES: tuple[tuple[str, str], ...] = (
    ("keyword_accuracy", "keyword_accuracy.mean"),
    ("abstention_accuracy", "abstention_accuracy"),
    ("false_abstention_rate", "false_abstention_rate"),
    ("citation_precision", "citation_precision.mean"),
    ("citation_recall", "citation_recall.mean"),
    ("citation_support", "citation_support.mean"),
    ("list_precision", "list_precision.mean"),
    ("list_recall", "list_recall.mean"),
    ("span_support", "span_support.mean"),
    ("numbers_absent_rate", "numbers_absent_rate"),
    ("faithfulness", "faithfulness.mean"),
    ("claim_recall", "claim_recall.mean"),
    ("latency_p50_s", "latency_p50"),
    ("latency_p95_s", "latency_p95"),
    ("ttft_p50_s", "ttft_p50"),
)
LOWER_IS_BETTER = ("false_abstention_rate", "numbers_absent", "latency", "ttft", "failures")


def _dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def headline_metrics(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The flat ``name -> value`` figures compared between runs (retrieval per mode, answers, judge)."""
    out: dict[str, float | None] = {}
    retrieval = report.get("retrieval") or {}
    for mode, summary in (retrieval.get("modes") or {}).items():
        for name, value in summary["overall"].items():
            out[f"retrieval.{mode}.{name}"] = value["mean"]
        out[f"retrieval.{mode}.latency_p50_ms"] = ms(summary["latency"]["p50"])
        out[f"retrieval.{mode}.latency_p95_ms"] = ms(summary["latency"]["p95"])
    answers = report.get("answers") or {}
    if answers:
        for name, path in _ANSWER_HEADLINES:
            out[f"answers.{name}"] = _dig(answers["overall"], path)
    judge = answers.get("ragas") or {}
    for name, value in (judge.get("llm") or {}).items():
        out[f"judge.{name}"] = value["mean"]
    if judge.get("llm"):
        out["judge.failures"] = float(judge["llm_failures_total"])
    for name, value in (judge.get("non_llm") or {}).items():
        out[f"non_llm.{name}"] = value["mean"]
    return out


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def compare_headlines(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, dict[str, float | None]]:
    """``name -> {previous, current, delta}`` for every headline present in both runs (delta ``None`` if either
    side is undefined)."""
    out: dict[str, dict[str, float | None]] = {}
    for name in current:
        if name not in previous:
            continue
        cur, prev = current[name], previous[name]
        delta = cur - prev if cur is not None and prev is not None else None
        out[name] = {"previous": prev, "current": cur, "delta": delta}
    return out


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += [
        "| " + " | ".join(fmt(c) if not isinstance(c, str) else c.replace("|", "\\|") for c in row) + " |"
        for row in rows
    ]
    return [*lines, ""]


def _retrieval_md(retrieval: Mapping[str, Any]) -> list[str]:
    names = retrieval["metrics"]
    header = ["kind", "n", *(METRIC_LABELS.get(n, n) for n in names)]
    lines = [
        "## Retrieval",
        "",
        f"Entry-level metrics over the answerable questions, ranking depth k={retrieval['k']}.",
        "",
    ]
    for mode, summary in retrieval["modes"].items():
        lat = summary["latency"]
        lines += [
            f"### {mode}",
            "",
            f"Latency p50 {fmt(ms(lat['p50']), 1)} ms, p95 {fmt(ms(lat['p95']), 1)} ms ({lat['n']} calls).",
            "",
        ]
        rows = [["**overall**", summary["n"], *(summary["overall"][n]["mean"] for n in names)]]
        rows += [
            [kind, m[names[0]]["count"], *(m[n]["mean"] for n in names)] for kind, m in summary["per_kind"].items()
        ]
        lines += _table(header, rows)
    lines += ["### Modes side by side (overall)", ""]
    lines += _table(
        ["mode", *(METRIC_LABELS.get(n, n) for n in names), "p50 ms", "p95 ms"],
        [
            [
                mode,
                *(s["overall"][n]["mean"] for n in names),
                fmt(ms(s["latency"]["p50"]), 1),
                fmt(ms(s["latency"]["p95"]), 1),
            ]
            for mode, s in retrieval["modes"].items()
        ],
    )
    for mode, misses in retrieval["misses_at_5"].items():
        lines += [f"### {mode}: questions missed at hit@5 ({len(misses)})", ""]
        if not misses:
            lines += ["None: every answerable question has a gold entry in the top 5.", ""]
        else:
            lines += _table(
                ["id", "kind", "question", "gold", "ranked first", "gold rank"],
                [
                    [
                        m["id"],
                        m["kind"],
                        m["question"],
                        "; ".join(m["gold_titles"]),
                        m["top1_title"],
                        fmt(m["gold_rank"]),
                    ]
                    for m in misses
                ],
            )
    return lines


def faithfulness_text(faith: Mapping[str, Any], judge: Mapping[str, Any] | None) -> str:
    """``0.912 [0.871, 0.941] (judge overlap, balanced accuracy 0.78 on labels)``."""
    ci = faith.get("ci95")
    text = fmt(faith.get("mean")) + (f" [{fmt(ci[0])}, {fmt(ci[1])}]" if ci else "")
    if judge:
        agreement = judge.get("agreement") or {}
        text += f" (judge {judge['name']}, balanced accuracy {fmt(agreement.get('balanced_accuracy'))} on labels)"
    return text


def _coverage(judge: Mapping[str, Any] | None) -> str:
    cov = (judge or {}).get("coverage")
    if not cov:
        return ""
    return f"; {cov['answers_judged']} of {cov['answers']} answers judged" + (
        f" (budget {cov['budget_s']:g} s)" if cov.get("not_judged") and cov.get("budget_s") else ""
    )


def _overall_rows(answers: Mapping[str, Any]) -> list[list[Any]]:
    o = answers["overall"]
    faith = o["faithfulness"]
    return [
        ["questions answered (no error)", o["n"], ""],
        ["keyword accuracy (answerable)", o["keyword_accuracy"]["mean"], o["keyword_accuracy"]["count"]],
        ["abstention accuracy (unanswerable)", o["abstention_accuracy"], o["n_unanswerable"]],
        ["false-abstention rate (answerable)", o["false_abstention_rate"], o["n_answerable"]],
        ["citation precision (answered)", o["citation_precision"]["mean"], o["citation_precision"]["count"]],
        ["citation recall (answered)", o["citation_recall"]["mean"], o["citation_recall"]["count"]],
        ["list precision (list questions)", o["list_precision"]["mean"], o["list_precision"]["count"]],
        ["list recall (list questions)", o["list_recall"]["mean"], o["list_recall"]["count"]],
        ["citation support rate (citations)", o["citation_support"]["mean"], o["citation_support"]["count"]],
        ["span support rate (sentences, overlap check)", o["span_support"]["mean"], o["span_support"]["count"]],
        ["answers stating a number absent from their span", o["numbers_absent_rate"], o["answers_with_absent_number"]],
        [
            "faithfulness, 95% CI (sentences)",
            faithfulness_text(faith, answers.get("support_judge")),
            f"{faith['sentences']} ({faith['failed']} failed){_coverage(answers.get('support_judge'))}",
        ],
        ["claim recall vs reference (answerable)", o["claim_recall"]["mean"], o["claim_recall"]["count"]],
        ["latency p50 / p95 (s)", f"{fmt(o['latency_p50'], 2)} / {fmt(o['latency_p95'], 2)}", o["n"]],
        ["time to first token p50 (s)", o["ttft_p50"], ""],
        ["routes", ", ".join(f"{k} {v}" for k, v in o["routes"].items()), ""],
        ["errors", len(answers["errors"]), ""],
    ]


_KIND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("abstained", "abstained"),
    ("keyword acc", "keyword_accuracy.mean"),
    ("false abst.", "false_abstention_rate"),
    ("abst. acc", "abstention_accuracy"),
    ("cit. P", "citation_precision.mean"),
    ("cit. R", "citation_recall.mean"),
    ("list P", "list_precision.mean"),
    ("list R", "list_recall.mean"),
    ("span support", "span_support.mean"),
    ("num. absent", "numbers_absent_rate"),
    ("faithfulness", "faithfulness.mean"),
    ("claim recall", "claim_recall.mean"),
    ("summary ≥2", "summary_ok.mean"),
    ("clean decline", "declined_clean.mean"),
    ("p50 s", "latency_p50"),
)


def _answers_md(answers: Mapping[str, Any]) -> list[str]:
    lines = ["## Answers", ""]
    lines += _table(["metric", "value", "n"], _overall_rows(answers))
    lines += ["### Answers per kind", ""]
    rows = [[k, r["n"], *(_dig(r, path) for _, path in _KIND_COLUMNS)] for k, r in answers["per_kind"].items()]
    lines += _table(["kind", "n", *(label for label, _ in _KIND_COLUMNS)], rows)
    if answers.get("per_style"):
        lines += ["### Answers per style", ""]
        rows = [[k, r["n"], *(_dig(r, path) for _, path in _KIND_COLUMNS)] for k, r in answers["per_style"].items()]
        lines += _table(["style", "n", *(label for label, _ in _KIND_COLUMNS)], rows)
    lines += [
        "Routes per kind: "
        + "; ".join(
            f"{k}: " + ", ".join(f"{route} {n}" for route, n in r["routes"].items())
            for k, r in answers["per_kind"].items()
        ),
        "",
    ]
    for err in answers["errors"]:
        lines.append(f"- error on {err['id']}: {err['error']}")
    return lines + ([""] if answers["errors"] else []) + _judge_md(answers.get("ragas"))


def _judge_rows(table: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    return [[name, m["mean"], m["scored"], m["failed"], m["skipped"]] for name, m in table.items()]


def _judge_md(ragas: Mapping[str, Any] | None) -> list[str]:
    if not ragas:
        return []
    lines = [
        f"### Ragas judge ({ragas['judge']}, first {ragas['judge_limit']} answered questions: "
        f"{ragas['judged']} judged)",
        "",
    ]
    if ragas["judge"] != "none":
        lines += _table(["metric", "mean", "scored", "failed", "skipped"], _judge_rows(ragas["llm"]))
        for name, m in ragas["llm"].items():
            lines += [f"- {name} failed {n}×: {reason}" for reason, n in m["failure_reasons"].items()]
        agreement = ragas.get("agreement") or {}
        lines += [
            "",
            f"Judge agreement: ragas faithfulness as a support judge reached balanced accuracy "
            f"{fmt(agreement.get('balanced_accuracy'))} on the labelled claims"
            + (" (not measured: run `assistant eval judges --judge ragas`)" if not agreement else "")
            + "; answer relevancy and the context metrics have no human labels here, so their agreement is unknown.",
        ]
        lines.append("")
    lines += [f"### Non-LLM ragas metrics ({ragas['non_llm_answers']} answers)", ""]
    lines += _table(["metric", "mean", "scored", "failed", "skipped"], _judge_rows(ragas["non_llm"]))
    return lines


def _comparison_md(comparison: Mapping[str, Any] | None) -> list[str]:
    if not comparison:
        return ["## Comparison", "", "No previous run in this folder to compare with.", ""]
    lines = [f"## Comparison with the previous run ({comparison['previous_run']})", ""]
    rows = [[name, d["previous"], d["current"], signed(d["delta"])] for name, d in comparison["deltas"].items()]
    return lines + _table(["metric", "previous", "current", "delta"], rows)


def signed(delta: float | None) -> str:
    return "–" if delta is None else f"{delta:+.3f}"


def render_markdown(report: Mapping[str, Any]) -> str:
    """The readable ``report.md`` for a report dict (as written to ``report.json``)."""
    run, cfg, machine = report["run"], report["config"], report["machine"]
    lines = [
        f"# Evaluation run {run['name']}",
        "",
        f"- gold: `{run['gold']}` ({run['n_questions']} questions, {run['n_answerable']} answerable; "
        f"sha256 {cfg['gold_sha256'][:12]})",
        f"- what: {run['what']}; wall time {run['wall_seconds']:.1f} s"
        + (" (this invocation; resumed)" if run["resumed"] else ""),
        f"- machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}",
        f"- llm: {cfg['llm_backend']} `{cfg['llm_model_path'] or cfg['llm_model']}`; retrieval {cfg['retrieval_mode']}"
        f" top_k {cfg['retrieval_top_k']}; prompt {cfg['prompt_version']}; ragas judge {cfg['judge']}; support judge"
        f" {cfg.get('support_judge', 'none')}",
        "",
    ]
    if report.get("retrieval"):
        lines += _retrieval_md(report["retrieval"])
    if report.get("answers"):
        lines += _answers_md(report["answers"])
    lines += [f"![{p}]({p})" for p in report.get("plots", [])] + ([""] if report.get("plots") else [])
    lines += _comparison_md(report.get("comparison"))
    return "\n".join(lines).rstrip() + "\n"


# ==============================================================================================================
# I/O: run folder, retrieval and answer loops, plots
# ==============================================================================================================


def compare_with_previous(out_dir: Path, run_dir: Path, headline: Mapping[str, float | None]) -> dict[str, Any] | None:
    """The headline deltas against the newest earlier run in ``out_dir`` (``None`` when there is none or its report
    cannot be read)."""
    from evals.store import find_previous_run

    previous = find_previous_run(out_dir, run_dir)
    if previous is None:
        return None
    try:
        prev_report = json.loads((previous / "report.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return {"previous_run": previous.name, "deltas": compare_headlines(headline, prev_report.get("headline", {}))}
