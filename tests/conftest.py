"""Shared fixtures: a copy of the seeds, fast indexes built with the deterministic hashing embedder, and one index
built with the real packaged MiniLM (session-scoped, built once)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import assistant.cli_documents as cli_documents
import index  # noqa: F401  (offline defaults)
from assistant.api import Assistant
from assistant.cli_args import settings_from_args
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from index.embed import HashingEmbedder, SentenceTransformerEmbedder
from index.store import ChromaChunkStore
from tests.helpers import REPO, SEEDS, make_settings
from tests.helpers.documents import tiny_seeds

__all__ = ["REPO", "SEEDS", "make_settings"]


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed folder."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index over the real seeds, embedded with the hashing embedder (fast, deterministic)."""
    from index.build import build_index

    settings = make_settings(tmp_path_factory.mktemp("hash-index"))
    build_index(settings.index, HashingEmbedder(), ChromaChunkStore(settings.index), show_progress=False)
    return settings


@pytest.fixture
def fake_assistant(hashing_index: Settings) -> Callable[..., Assistant]:
    """Factory: an Assistant over the hashing index with a scripted chat model."""

    def make(replies: object = ("I don't know.",), **retrieval: object) -> Assistant:
        settings = hashing_index.model_copy(deep=True)
        for key, value in retrieval.items():
            setattr(settings.retrieval, key, value)
        model = replies if isinstance(replies, ScriptedChatModel) else ScriptedChatModel(replies)  # type: ignore[arg-type]
        return Assistant(settings, chat_model=model, embedder=HashingEmbedder(), sync_index=False)

    return make


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The packaged MiniLM embedder (loaded once)."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def traced_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder holding the packaged MiniLM's traced copy, made by loading the model once."""
    folder = tmp_path_factory.mktemp("models")
    embedder = SentenceTransformerEmbedder(compiled_dir=folder)
    embedder.load()
    assert embedder.compiled_path is not None and embedder.compiled_path.is_file()
    return folder


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, minilm: SentenceTransformerEmbedder) -> Settings:
    """An index over the real seeds with the real embedder (about 30 s, once per session)."""
    from index.build import build_index

    settings = make_settings(tmp_path_factory.mktemp("real-index"))
    build_index(settings.index, minilm, ChromaChunkStore(settings.index), show_progress=False)
    return settings


@pytest.fixture(scope="session")
def real_retrieval_assistant(real_index: Settings, minilm: SentenceTransformerEmbedder) -> Assistant:
    """Real index and embedder; a scripted model that always declines (retrieval and metadata tests only)."""
    return Assistant(real_index, chat_model=ScriptedChatModel(["I don't know."]), embedder=minilm, sync_index=False)


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """CLI arguments for a tiny data folder; the commands build their Assistant with the hashing embedder."""
    seeds = tiny_seeds(tmp_path / "seeds")

    def make(args):  # type: ignore[no-untyped-def]
        return Assistant(settings_from_args(args), chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder())

    monkeypatch.setattr(cli_documents, "_assistant", make)
    return ["--data-dir", str(tmp_path / "data"), "--seeds", str(seeds)]
