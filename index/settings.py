"""Typed settings for the indexing stage (nested inside the application's one settings object)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from index.parsers.common import SeedLimits

EmbedDtype = Literal["auto", "float32", "bfloat16"]
"""The number type the embedding model runs in (``auto``: bfloat16 where the CPU has it in hardware)."""


def default_data_dir() -> Path:
    """Where the index and the assembled model live unless configured: a per-user cache, outside the repo."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "research-assistant"


class IndexSettings(BaseModel):
    """Where seeds come from, where the index goes, and how entries are chunked and embedded."""

    seeds_dir: Path = Field(default=Path("seeds"), description="Folder of seed .txt files.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Index and model cache folder.")
    collection: str = Field(default="entries", description="Chroma collection name.")
    chroma_url: str | None = Field(
        default=None, description="URL of a Chroma server (e.g. http://127.0.0.1:8000); embedded if unset."
    )
    embed_model_path: Path | None = Field(
        default=None, description="Local sentence-transformers model folder; the packaged MiniLM if unset."
    )
    chunk_tokens: int = Field(default=200, ge=32, le=230, description="Chunk size in tokens (cl100k).")
    chunk_overlap: int = Field(default=30, ge=0, le=128, description="Token overlap between chunks.")
    embed_batch_size: int = Field(default=64, ge=1, le=512, description="Chunks per embedding call.")
    embed_dtype: EmbedDtype = Field(
        default="auto",
        description="Number type of the embedding model: bfloat16 (about 2x faster where the CPU has it in hardware), "
        "float32, or auto (bfloat16 on such a CPU). Changing it re-embeds the index.",
    )
    max_seed_bytes: int = Field(
        default=SeedLimits.max_bytes, ge=1, description="Largest seed file read, in bytes; a larger one is an error."
    )
    max_entries_per_file: int = Field(
        default=SeedLimits.max_entries, ge=1, description="Most entries one seed file may yield; more is an error."
    )
    max_document_mb: float = Field(
        default=50.0, gt=0, le=2000, description="Largest document `assistant add` accepts, in MB; larger ones fail."
    )
    document_suffixes: list[str] = Field(
        default_factory=lambda: [".pdf", ".md", ".markdown", ".txt", ".bib"],
        min_length=1,
        description="File types `assistant add` accepts (and looks for in folders).",
    )
    max_drop_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the indexed entries a build may drop before it warns loudly (the build still runs).",
    )

    @field_validator("document_suffixes")
    @classmethod
    def _known_suffixes(cls, value: list[str]) -> list[str]:
        from index.documents import READERS

        cleaned = ["." + s.strip().lower().lstrip(".") for s in value]
        unknown = [s for s in cleaned if s not in READERS]
        if unknown:
            raise ValueError(f"cannot read {', '.join(unknown)} files; supported: {', '.join(sorted(READERS))}")
        return cleaned

    @property
    def seed_limits(self) -> SeedLimits:
        """The seed file limits, for the parsers."""
        return SeedLimits(max_bytes=self.max_seed_bytes, max_entries=self.max_entries_per_file)

    @property
    def documents_dir(self) -> Path:
        """Folder holding the user's added documents and their registry."""
        return self.data_dir / "documents"

    @property
    def models_dir(self) -> Path:
        """Folder of model files made here from the packaged ones (the assembled chat model, the embedding model's
        traced copy)."""
        return self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        """Folder holding the Chroma database and the chunk manifest."""
        return self.data_dir / "index"
