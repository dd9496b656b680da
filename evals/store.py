"""Run folders: the append-only store, timestamped folder names, the resume fingerprint and machine info."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = [
    "RunStore",
    "config_differences",
    "config_fingerprint",
    "file_sha256",
    "find_previous_run",
    "machine_info",
    "new_run_dir",
]


class RunStore:
    """A run folder: ``config.json`` and append-only JSON Lines files (each line flushed as it is written)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)

    def read_jsonl(self, name: str) -> list[dict[str, Any]]:
        """Every complete line of ``name`` (a truncated last line from an interrupted write is ignored)."""
        path = self.run_dir / name
        if not path.is_file():
            return []
        rows = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(raw))
            except json.JSONDecodeError:
                continue
        return rows

    def append(self, name: str, record: Mapping[str, Any]) -> None:
        """Append one JSON line and flush it to disk."""
        with (self.run_dir / name).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def write_json(self, name: str, data: Any) -> Path:
        """Write ``name`` as indented JSON."""
        path = self.run_dir / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        return path

    def read_json(self, name: str) -> Any:
        """Parse ``name``."""
        return json.loads((self.run_dir / name).read_text(encoding="utf-8"))


def new_run_dir(out_dir: Path, now: datetime | None = None, prefix: str = "") -> Path:
    """Create ``<out_dir>/<prefix>YYYYmmdd-HHMMSS`` (with ``-2``, ``-3``... if that exists already)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = prefix + (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate, n = out_dir / base, 1
    while candidate.exists():
        n += 1
        candidate = out_dir / f"{base}-{n}"
    candidate.mkdir()
    return candidate


def find_previous_run(out_dir: Path, current: Path) -> Path | None:
    """The latest run folder in ``out_dir`` before ``current`` (by name, i.e. by time) that has a report."""
    if not out_dir.is_dir():
        return None
    earlier = [p for p in out_dir.iterdir() if p.is_dir() and p.name < current.name and (p / "report.json").is_file()]
    return max(earlier, key=lambda p: p.name) if earlier else None


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def config_fingerprint(
    settings: Settings,
    gold_sha256: str,
    k: int,
    judge: str,
    judge_model: str | None,
    judge_url: str | None,
    support_judge: str = "none",
) -> dict[str, Any]:
    """Everything that must be the same for a resumed run to be comparable with what is already on disk."""
    llm, retrieval = settings.llm, settings.retrieval
    return {
        "gold_sha256": gold_sha256,
        "llm_backend": llm.backend,
        "llm_model": llm.model,
        "llm_model_path": str(llm.model_path) if llm.model_path else None,
        "llm_base_url": llm.base_url if llm.backend == "openai" else None,
        "llm_max_tokens": llm.max_tokens,
        "llm_temperature": llm.temperature,
        "retrieval_mode": retrieval.mode,
        "retrieval_top_k": retrieval.top_k,
        "retrieval_candidates": retrieval.candidates,
        "retrieval_min_relevance": retrieval.min_relevance,
        "prompt_version": settings.prompt_version,
        "embed_model_path": str(settings.index.embed_model_path) if settings.index.embed_model_path else None,
        "k": k,
        "judge": judge,
        "judge_model": judge_model if judge != "none" else None,
        "judge_url": judge_url if judge == "openai" else None,
        "support_judge": support_judge,
    }


def config_differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Human-readable ``key: saved -> now`` lines for every fingerprint field that changed."""
    keys = sorted(set(saved) | set(current))
    return [
        f"{key}: {saved.get(key)!r} (saved) -> {current.get(key)!r} (now)"
        for key in keys
        if saved.get(key) != current.get(key)
    ]


def machine_info() -> dict[str, Any]:
    """CPU count, platform and Python version of this machine."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
    }


# ==============================================================================================================
