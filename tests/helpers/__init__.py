"""Helpers the tests share (no test file imports another test file): paths and settings here; documents, model
servers, evaluation records and BibTeX parsing in the modules beside this one. Fixtures live in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings
from index.settings import IndexSettings

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


def make_settings(data_dir: Path, seeds_dir: Path = SEEDS) -> Settings:
    """Settings pointing at a private data folder."""
    return Settings(index=IndexSettings(data_dir=data_dir, seeds_dir=seeds_dir))
