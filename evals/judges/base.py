"""The one judge protocol: does this evidence support this claim? True, False, or None when the judge failed.

A failure (timeout, garbage output, NaN, a refused request) is ``None`` with its reason in ``last_failure``: it is
counted as a failure, never turned into a verdict. Judges that produce a score in [0, 1] decide with a threshold
chosen on the calibration half of the labelled set (see :mod:`evals.judges.agreement`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol, TypeVar, runtime_checkable

__all__ = ["JudgeFailure", "ScoringJudge", "SupportJudge", "call_with_timeout"]

_T = TypeVar("_T")


class JudgeFailure(Exception):
    """A judge could not give a verdict; the message starts with a category (``timeout``, ``parse_error``, ...)."""


@runtime_checkable
class SupportJudge(Protocol):
    """Anything that says whether an evidence text supports a claim sentence."""

    name: str
    last_failure: str | None

    def supports(self, claim: str, evidence: str) -> bool | None:
        """True (supported), False (not supported) or None (the judge failed; reason in ``last_failure``)."""
        ...


class ScoringJudge:
    """A judge that scores support in [0, 1] and decides with ``threshold`` (supported iff score >= threshold).

    Subclasses implement :meth:`raw_score`, raising :class:`JudgeFailure` (or anything else) when they cannot
    score; :meth:`score` turns every failure and every non-finite value into ``None`` with ``last_failure`` set.
    """

    name = "scoring"
    calibrated = True
    """Whether the evaluation may choose this judge's threshold on labelled data (False: a fixed decision)."""

    def __init__(self, threshold: float) -> None:
        """Decide with ``threshold`` (a score at or above it means supported)."""
        self.threshold = float(threshold)
        self.last_failure: str | None = None

    def raw_score(self, claim: str, evidence: str) -> float:
        """The support score in [0, 1]; raise on failure."""
        raise NotImplementedError

    def score(self, claim: str, evidence: str) -> float | None:
        """The support score, or ``None`` when the judge failed (reason in ``last_failure``)."""
        self.last_failure = None
        try:
            value = float(self.raw_score(claim, evidence))
        except JudgeFailure as exc:
            self.last_failure = str(exc)
            return None
        except Exception as exc:  # a judge that breaks on one item must not end an evaluation of hundreds
            self.last_failure = f"error: {type(exc).__name__}: {exc}"[:200]
            return None
        if not math.isfinite(value):
            self.last_failure = f"nan: the judge scored {value}"
            return None
        return value

    def supports(self, claim: str, evidence: str) -> bool | None:
        """Whether the score reaches the threshold; ``None`` when scoring failed."""
        value = self.score(claim, evidence)
        return None if value is None else value >= self.threshold

    def supports_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool | None]:
        """:meth:`supports` for each ``(claim, evidence)`` pair, in order."""
        return [self.supports(claim, evidence) for claim, evidence in pairs]


def call_with_timeout(fn: Callable[[], _T], timeout_s: float | None) -> _T:
    """``fn()``, raising :class:`JudgeFailure` ``timeout`` if it takes longer than ``timeout_s`` (None: no limit).

    The call keeps running in its worker thread after a timeout (a C call cannot be interrupted); its result is
    discarded."""
    if timeout_s is None:
        return fn()
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn).result(timeout=timeout_s)
    except FutureTimeout as exc:
        raise JudgeFailure(f"timeout: no verdict within {timeout_s:g} s") from exc
    finally:
        pool.shutdown(wait=False)
