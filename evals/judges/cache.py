"""A persistent cache of a chat model's first-token log-probabilities, so that judges can be recalibrated,
recombined and re-scored on the labelled set without spending model time again.

Every answer is keyed by the model's name and the exact request (messages and ``top``): the messages carry the
prompt version, the claim and the evidence, so a changed prompt or a changed label is a cache miss, never a stale
hit. The file is JSON Lines, appended to as answers arrive, so an interrupted collection keeps what it had.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.llm.base import ChatMessage, ChatModel

__all__ = ["DEFAULT_CACHE", "CacheMiss", "CachedChatModel", "LogprobCache", "request_key"]

DEFAULT_CACHE = Path(__file__).resolve().parents[2] / "evals" / "runs" / "judge-cache" / "logprobs.jsonl"
"""Where ``python -m evals.judges.collect`` stores the embedded model's answers and ``evals.judges.fit`` reads them."""


class CacheMiss(LookupError):
    """A cache-only model was asked something it has no stored answer for."""


def request_key(model_name: str, messages: Sequence[ChatMessage], top: int) -> str:
    """The cache key of one first-token request: sha256 of the model name, the messages and ``top``."""
    payload = {"model": model_name, "top": top, "messages": [[m["role"], m["content"]] for m in messages]}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


class LogprobCache:
    """``key -> {token: logprob}`` backed by a JSONL file (``{"key", "logprobs", "seconds", ...}`` per line).

    Unreadable lines (a write cut off mid-line) are skipped, not fatal: the request is simply asked again."""

    def __init__(self, path: str | Path) -> None:
        """Open (or start) the cache file at ``path``; its folder is created on the first write."""
        self.path = Path(path)
        self._entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("key"), str) and isinstance(row.get("logprobs"), dict):
                    self._entries[row["key"]] = row

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get(self, key: str) -> dict[str, float] | None:
        """The stored log-probabilities for ``key``, or ``None``."""
        row = self._entries.get(key)
        return None if row is None else {str(k): float(v) for k, v in row["logprobs"].items()}

    def seconds(self) -> Iterator[float]:
        """The recorded model time of every stored answer (what a cold run would have cost)."""
        for row in self._entries.values():
            if isinstance(row.get("seconds"), int | float):
                yield float(row["seconds"])

    def put(self, key: str, logprobs: dict[str, float], **info: Any) -> None:
        """Store and append one answer (``info``: anything worth keeping beside it, e.g. its seconds)."""
        row = {"key": key, "logprobs": logprobs, **info}
        self._entries[key] = row
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


class CachedChatModel:
    """A chat model whose ``next_token_logprobs`` answers come from a :class:`LogprobCache` when stored.

    With ``model=None`` it is cache-only: a miss raises :class:`CacheMiss` (which a judge reports as a failure),
    so re-scoring from the cache can never silently call a model. ``stream`` is not cached."""

    def __init__(self, cache: LogprobCache, model: ChatModel | None, *, name: str | None = None) -> None:
        """Serve from ``cache``, asking ``model`` (and storing its answer) on a miss; ``name`` keys the cache
        (default: the model's name)."""
        if model is None and name is None:
            raise ValueError("a cache-only model needs the name of the model whose answers the cache holds")
        self.cache = cache
        self.model = model
        self.name = name or str(getattr(model, "name", "model"))
        self.hits = 0
        self.misses = 0

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """The wrapped model's stream (never cached)."""
        if self.model is None:
            raise CacheMiss("a cache-only model cannot generate text")
        return self.model.stream(messages, max_tokens=max_tokens, temperature=temperature)

    def next_token_logprobs(self, messages: Sequence[ChatMessage], top: int = 10) -> dict[str, float]:
        """The stored answer for this request, or the model's (then stored)."""
        import time

        key = request_key(self.name, messages, top)
        found = self.cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        if self.model is None:
            raise CacheMiss(f"no cached answer for this request (key {key[:12]})")
        self.misses += 1
        start = time.perf_counter()
        logprobs = self.model.next_token_logprobs(messages, top)
        self.cache.put(key, logprobs, seconds=round(time.perf_counter() - start, 4))
        return logprobs
