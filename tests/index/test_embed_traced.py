"""The embedding model's traced copy: made when the model first loads, the model's own vectors bit for bit in a
fresh process that never imports sentence-transformers, a damaged copy made again (and older ones removed), a
wrong trace never kept."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from index import embed_traced
from index.embed import SentenceTransformerEmbedder
from index.embed_traced import TracedModel, save_traced, traced_file
from index.settings import IndexSettings
from tests.helpers import REPO


def _texts() -> list[str]:
    """Lines of every seed file (titles, people, abstracts, schedule rows), one text longer than the model reads,
    and edge cases (empty, blank, one character, accents)."""
    lines: list[str] = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:12]
    return [*lines, " ".join(lines), "", "   ", "x", "Ünïcödé naïve café — “quotes”"]


def test_a_fresh_process_embeds_with_the_traced_copy_alone(
    traced_models_dir: Path, minilm: SentenceTransformerEmbedder
) -> None:
    texts = _texts()
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from index.embed import SentenceTransformerEmbedder\n"
        "embedder = SentenceTransformerEmbedder(compiled_dir=Path(sys.argv[1]))\n"
        "vectors = embedder.embed(json.load(sys.stdin))\n"
        "heavy = [m for m in ('sentence_transformers', 'transformers', 'sklearn') if m in sys.modules]\n"
        "print(json.dumps({'vectors': vectors, 'traced': embedder._traced is not None, 'imported': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(traced_models_dir)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["traced"] and result["imported"] == []
    assert result["vectors"] == minilm.embed(texts)  # exactly: same operations, same batches, same weights


def test_a_damaged_copy_is_loaded_around_and_made_again(
    tmp_path: Path, minilm: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    embedder = SentenceTransformerEmbedder(compiled_dir=tmp_path)
    assert embedder.compiled_path is not None
    embedder.compiled_path.write_bytes(b"not a torchscript archive")
    name = embedder.compiled_path.name
    older = tmp_path / name.replace(f"-t{embed_traced.TRACE_FORMAT}.pt", "-t0.pt")  # an older trace format
    other_dtype = tmp_path / name.replace(f"-{embedder.dtype}-", "-float16-")
    other_model = traced_file(tmp_path, embedder.model_path, "0000beef", embedder.dtype)
    for path in (older, other_dtype, other_model):
        path.write_bytes(b"an older copy")
    texts = _texts()[:5]
    with caplog.at_level(logging.WARNING, logger="index.embed"):
        assert embedder.embed(texts) == minilm.embed(texts)
    assert "did not load" in caplog.text and str(embedder.compiled_path) in caplog.text
    assert embedder._traced is None  # this process embeds with the model folder it loaded
    assert not older.exists() and other_dtype.exists() and other_model.exists()  # only what it supersedes goes
    again = TracedModel.load(embedder.compiled_path, embedder.model_path)
    assert again.encode(texts, 16).shape == (5, 384)


def test_a_trace_that_does_not_give_the_models_vectors_is_not_kept(
    tmp_path: Path,
    minilm: SentenceTransformerEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import torch

    real = embed_traced._pipeline

    class Wrong(torch.nn.Module):  # a trace that went wrong: same shapes, other vectors
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tokens: torch.Tensor) -> torch.Tensor:
            return self.inner(*tokens).flip(-1)

    monkeypatch.setattr(embed_traced, "_pipeline", lambda model: Wrong(real(model)))
    path = tmp_path / "copy.pt"
    with caplog.at_level(logging.WARNING, logger="index.embed_traced"):
        assert save_traced(minilm._sentence_transformer(), path, minilm.model_path) is False
    assert "does not match" in caplog.text and list(tmp_path.iterdir()) == []


def test_a_model_folder_without_a_tokenizer_file_keeps_no_copy(tmp_path: Path) -> None:
    assert save_traced(object(), tmp_path / "copy.pt", tmp_path) is False and list(tmp_path.iterdir()) == []


def test_the_copy_is_named_after_what_decides_its_vectors(tmp_path: Path) -> None:
    bf16 = SentenceTransformerEmbedder(dtype="bfloat16", compiled_dir=tmp_path)
    fp32 = SentenceTransformerEmbedder(dtype="float32", compiled_dir=tmp_path)
    assert bf16.compiled_path is not None and fp32.compiled_path is not None
    assert bf16.compiled_path.parent == tmp_path and bf16.compiled_path != fp32.compiled_path
    import torch

    name = bf16.compiled_path.name
    assert "bfloat16" in name and torch.__version__ in name and name.endswith(f"-t{embed_traced.TRACE_FORMAT}.pt")
    other_model = traced_file(tmp_path, bf16.model_path, "0000beef", "bfloat16")
    assert other_model != bf16.compiled_path
    assert SentenceTransformerEmbedder().compiled_path is None  # no folder, no copy


def test_the_settings_embedder_keeps_its_copy_in_the_models_folder(tmp_path: Path) -> None:
    settings = IndexSettings(data_dir=tmp_path, embed_dtype="float32")
    embedder = SentenceTransformerEmbedder.from_settings(settings)
    assert settings.models_dir == tmp_path / "models" and embedder.dtype == "float32"
    assert embedder.compiled_path is not None and embedder.compiled_path.parent == settings.models_dir
