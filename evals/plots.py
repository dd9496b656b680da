"""PNG plots of an evaluation report and of the scale benchmark's results (matplotlib, imported only when
plotting)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.report import METRIC_LABELS

__all__ = ["plot_scale", "write_plots"]


def write_plots(report: Mapping[str, Any], run_dir: Path) -> list[str]:
    """Grouped bars of hit@5 / MRR@10 per kind and mode, and the answer latency histogram; the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[str] = []
    retrieval = report.get("retrieval")
    if retrieval and retrieval["modes"]:
        written.append(_plot_retrieval(plt, retrieval, run_dir / "retrieval_per_kind.png"))
    answers = report.get("answers")
    seconds = [s["seconds"] for s in (answers or {}).get("questions", []) if s.get("seconds") is not None]
    if seconds:
        written.append(_plot_latency(plt, seconds, run_dir / "answer_latency.png"))
    return written


def _plot_retrieval(plt: Any, retrieval: Mapping[str, Any], path: Path) -> str:
    modes = list(retrieval["modes"])
    kinds = sorted({k for s in retrieval["modes"].values() for k in s["per_kind"]})
    metrics = [m for m in ("hit@5", "mrr@10") if m in retrieval["metrics"]]
    fig, axes = plt.subplots(len(metrics), 1, figsize=(max(6, 1.2 * len(kinds) + 2), 3.2 * len(metrics)), squeeze=False)
    width = 0.8 / max(1, len(modes))
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        for i, mode in enumerate(modes):
            per = retrieval["modes"][mode]["per_kind"]
            values = [(per.get(k, {}).get(metric, {}).get("mean") or 0.0) for k in kinds]
            ax.bar([x + i * width for x in range(len(kinds))], values, width, label=mode)
        ax.set_xticks([x + width * (len(modes) - 1) / 2 for x in range(len(kinds))], kinds, rotation=20)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes[0, 0].set_title("Retrieval per question kind")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _plot_latency(plt: Any, seconds: Sequence[float], path: Path) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(seconds, bins=min(30, max(5, len(seconds) // 2)))
    ax.set_xlabel("answer latency (s)")
    ax.set_ylabel("questions")
    ax.set_title(f"Answer latency (n={len(seconds)})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


# ==============================================================================================================
# The run
# ==============================================================================================================


def plot_scale(results: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Growth curves of ``evals/bench/scale_bench.py`` results (log-log, one line per Chroma mode and
    vectors); the PNG files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = {
        "scale_times.png": ("seconds", ["cold_index_s", "noop_s", "add_one_s", "startup_s"]),
        "scale_cpu.png": ("CPU seconds", ["cold_cpu_s", "noop_cpu_s", "add_one_cpu_s", "startup_cpu_s"]),
        "scale_latency.png": ("milliseconds", ["retrieve_p50_ms", "retrieve_cpu_p50_ms", "link_p50_ms"]),
        "scale_memory.png": ("MB", ["rss_mb", "disk_mb"]),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (unit, keys) in panels.items():
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        series = sorted({(r.get("chroma", "embedded"), r.get("embedder", "minilm")) for r in results})
        for mode, vectors in series:
            style = ("-" if mode == "embedded" else "--") + ("o" if vectors == "minilm" else "^")
            rows = [r for r in results if (r.get("chroma", "embedded"), r.get("embedder", "minilm")) == (mode, vectors)]
            rows.sort(key=lambda r: r.get("entries", 0))
            for key in keys:
                points = [(r["entries"], r[key]) for r in rows if r.get(key) is not None and r.get("entries")]
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.plot(xs, ys, style, label=f"{key} ({mode}, {vectors})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("entries in the corpus")
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        written.append(out_dir / name)
    return written
