"""Errors of the evaluation suite."""

from __future__ import annotations

from pathlib import Path


class EvalError(Exception):
    """A problem with the evaluation's inputs (bad resume folder, changed configuration, judge set-up)."""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``run_dir`` holds everything finished so far (continue with ``--resume``)."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(str(run_dir))
        self.run_dir = run_dir
