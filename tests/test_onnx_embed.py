"""The int8 ONNX variant of the packaged MiniLM: its own model id (an index built by the other variant is embedded
again), chosen by the settings, sentence vectors kept apart, and (slow: export once, ~15 s) vectors that agree
with the sentence-transformers ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evidence import vectors_path
from index.embed import HashingEmbedder, SentenceTransformerEmbedder, make_embedder
from index.onnx_embed import EXPORT_VERSION, ONNX_FILE, OnnxInt8Embedder
from index.settings import IndexSettings


def test_the_variant_has_its_own_model_id_and_cache_folder(tmp_path: Path) -> None:
    onnx, torch = OnnxInt8Embedder(cache_dir=tmp_path), SentenceTransformerEmbedder()
    assert onnx.model_id != torch.model_id
    assert onnx.model_id.startswith("onnx-int8:") and onnx.model_id.endswith(f":{EXPORT_VERSION}")
    assert torch.model_id.split(":")[2] in onnx.model_id  # the same model folder's fingerprint
    assert onnx.onnx_dir.parent == tmp_path and onnx.max_seq_length == 256


def test_settings_choose_the_embedder(tmp_path: Path) -> None:
    assert isinstance(make_embedder(IndexSettings(data_dir=tmp_path)), SentenceTransformerEmbedder)
    chosen = make_embedder(IndexSettings(data_dir=tmp_path, embed_backend="onnx-int8"))
    assert isinstance(chosen, OnnxInt8Embedder) and chosen.onnx_dir.parent == tmp_path / "models"


def test_sentence_vectors_of_the_variant_are_kept_apart(tmp_path: Path) -> None:
    default = vectors_path(tmp_path)
    assert vectors_path(tmp_path, SentenceTransformerEmbedder().model_id) == default
    assert vectors_path(tmp_path, HashingEmbedder(384).model_id) == default
    apart = vectors_path(tmp_path, OnnxInt8Embedder(cache_dir=tmp_path).model_id)
    assert apart != default and apart.parent == default.parent and apart.suffix == ".npz"


@pytest.mark.slow
def test_exported_once_and_close_to_the_torch_vectors(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    import numpy as np

    texts = [
        "Scaling laws for neural language models.",
        "A tutorial on diffusion models, with worked examples " * 40,  # past 256 word pieces: truncated alike
        "x",
    ]
    onnx = OnnxInt8Embedder(cache_dir=tmp_path)
    got = np.array(onnx.embed(texts))
    want = np.array(SentenceTransformerEmbedder().embed(texts))
    assert got.shape == want.shape and np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert (got * want).sum(axis=1).min() > 0.97
    exported = onnx.onnx_dir / ONNX_FILE
    stamp = exported.stat().st_mtime_ns
    again = OnnxInt8Embedder(cache_dir=tmp_path)
    assert np.allclose(np.array(again.embed(texts)), got, atol=1e-5)
    assert exported.stat().st_mtime_ns == stamp and list(onnx.onnx_dir.glob(".*")) == [onnx.onnx_dir / ".export.lock"]
