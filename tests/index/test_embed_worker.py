"""The embedder in a child process: the same vectors as in process, the model never loaded in the parent, a child
that dies or fails replaced by this process, nothing left running after close."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from index.embed import Preloading, SentenceTransformerEmbedder
from index.embed_worker import BackgroundEmbedder

TEXTS = [
    "Diffusion models generate images by reversing a gradual noising process.",
    "We prove a lower bound on the sample complexity of learning halfspaces.",
    "The talk covers protein structure prediction with deep networks.",
]


def test_the_child_makes_the_vectors_this_process_would(minilm: SentenceTransformerEmbedder) -> None:
    background = BackgroundEmbedder(SentenceTransformerEmbedder())
    assert isinstance(background, Preloading) and background.model_id == minilm.model_id
    with background:
        background.preload()
        background.preload()  # once only
        assert background.running
        process = background._process
        assert background.embed(TEXTS) == minilm.embed(TEXTS)
        assert background.embed(TEXTS[:1]) == minilm.embed(TEXTS[:1])
        assert background.embed([]) == []
        assert not background.local.loaded  # the model lives in the child only
    assert not background.running and process is not None and process.returncode is not None


def test_a_child_that_dies_is_replaced_by_this_process(
    minilm: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    with BackgroundEmbedder(SentenceTransformerEmbedder()) as background:
        background.preload()
        assert background._process is not None
        background._process.kill()
        background._process.wait(10)
        with caplog.at_level(logging.WARNING, logger="index.embed_worker"):
            assert background.embed(TEXTS) == minilm.embed(TEXTS)
        assert "embedding process ended" in caplog.text and not background.running
        assert background.local.loaded


def test_a_model_folder_without_a_model_fails_as_it_would_in_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with BackgroundEmbedder(SentenceTransformerEmbedder(tmp_path)) as background:
        assert background.embed([]) == [] and not background.running  # nothing started before preload
        background.preload()
        with caplog.at_level(logging.WARNING, logger="index.embed_worker"), pytest.raises(FileNotFoundError) as err:
            background.embed(TEXTS)
        assert str(tmp_path) in str(err.value) and "has no model" in str(err.value)
        assert "embedding process failed (FileNotFoundError" in caplog.text


def test_a_child_with_a_traced_copy_makes_the_same_vectors(
    traced_models_dir: Path, minilm: SentenceTransformerEmbedder
) -> None:
    with BackgroundEmbedder(SentenceTransformerEmbedder(compiled_dir=traced_models_dir)) as background:
        background.preload()
        assert background.embed(TEXTS) == minilm.embed(TEXTS)
        assert background.running and not background.local.loaded
