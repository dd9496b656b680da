"""The MiniLM embedder's number type: auto picks bfloat16 only on a CPU that has it, the type is part of the model
id, and bfloat16 vectors are unit length and agree with float32's."""

from __future__ import annotations

import numpy as np
import pytest

from index import embed
from index.embed import SentenceTransformerEmbedder, resolve_dtype
from index.settings import IndexSettings


def test_auto_is_bfloat16_only_where_the_cpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: True)
    assert resolve_dtype("auto") == "bfloat16"
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: False)
    assert resolve_dtype("auto") == "float32"
    assert resolve_dtype("bfloat16") == "bfloat16" and resolve_dtype("float32") == "float32"


def test_the_dtype_is_part_of_the_model_id_and_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fp32, bf16 = SentenceTransformerEmbedder(dtype="float32"), SentenceTransformerEmbedder(dtype="bfloat16")
    assert bf16.model_id == f"{fp32.model_id}:bfloat16" and ":bfloat16" not in fp32.model_id
    monkeypatch.setenv("ASSISTANT_INDEX__EMBED_DTYPE", "float32")
    from assistant.settings import Settings

    assert Settings().index.embed_dtype == "float32"
    with pytest.raises(ValueError, match="embed_dtype"):
        IndexSettings(embed_dtype="float16")  # type: ignore[arg-type]


def test_bfloat16_vectors_are_unit_length_and_rank_like_float32() -> None:
    texts = [
        "Diffusion models generate images by reversing a gradual noising process.",
        "We prove a lower bound on the sample complexity of learning halfspaces.",
        "The talk covers protein structure prediction with deep networks.",
        "Reinforcement learning agents plan with a learned world model.",
    ]
    query = ["Which work learns a model of the environment to plan?"]
    fp32, bf16 = SentenceTransformerEmbedder(dtype="float32"), SentenceTransformerEmbedder(dtype="bfloat16")
    a, b = np.asarray(fp32.embed(texts)), np.asarray(bf16.embed(texts))
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 0.99
    qa, qb = np.asarray(fp32.embed(query))[0], np.asarray(bf16.embed(query))[0]
    assert np.argsort(-(a @ qa)).tolist() == np.argsort(-(b @ qb)).tolist()
    assert bf16.embed([]) == []
