"""Typed settings for the indexing stage (nested inside the application's one settings object)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field


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

    @property
    def index_dir(self) -> Path:
        """Folder holding the Chroma database and the chunk manifest."""
        return self.data_dir / "index"
