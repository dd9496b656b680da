"""The sentence-transformers model kept as a traced TorchScript file, so that a fresh process embeds with torch and
the model's ``tokenizer.json`` alone, without importing sentence-transformers, transformers and scikit-learn.

Why: a one-shot ``assistant index`` after one new paper, and the first question of a fresh app, waited on that
import chain (5-7 s from a cold page cache on this machine) before MiniLM could embed anything; torch alone imports
in about 2 s and the traced file loads in about 0.3 s. The trace records the torch operations the loaded model runs
(transformer, mean pooling, normalisation) on its own weights in its own number type, and ``encode`` batches as
sentence-transformers does, so the vectors are the model's bit for bit (tested), and an index keeps its embedder's
``model_id`` whichever way the model was loaded.

The file is made the first time a process loads the model the slow way (about half a second, 45 MB in bfloat16),
kept only if it gives the eager model's vectors on inputs of other shapes than the one traced (with and without
padding, one truncated at the model's length), and named after everything that decides its output: the model
folder's fingerprint, the number type, the versions of torch, transformers and sentence-transformers, and
``TRACE_FORMAT``. A file that fails to load is deleted and made again; making one removes the copies of the same
model and number type made for other versions (``remove_superseded``)."""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Bump when the traced module's inputs, outputs or check change.
TRACE_FORMAT = "1"
_META = "meta.json"
_COSINE_FLOOR = 0.99999
_CHECK_TEXTS = [
    "Diffusion models generate images by reversing a gradual noising process.",
    "Why?",
    "We prove a lower bound on the sample complexity of learning halfspaces with margin, and show that it is tight.",
    " ".join(["Reinforcement learning agents plan with a learned world model of their environment."] * 40),
]


def traced_file(cache_dir: Path, model_path: Path, fingerprint: str, dtype: str) -> Path:
    """Where the traced module of this model folder in this number type lives for the installed library versions."""
    versions = "-".join(_version(p) for p in ("torch", "transformers", "sentence-transformers"))
    return Path(cache_dir) / f"{_stem(model_path, fingerprint, dtype)}{versions}-t{TRACE_FORMAT}.pt"


def remove_superseded(path: Path, model_path: Path, fingerprint: str, dtype: str) -> list[Path]:
    """Delete the copies of the same model folder and number type made for other library versions or trace formats
    than ``path`` (45-90 MB each, never loaded again once the versions moved on); the paths deleted."""
    gone = [p for p in path.parent.glob(f"{_stem(model_path, fingerprint, dtype)}*.pt") if p != path]
    for other in gone:
        other.unlink(missing_ok=True)
    return gone


def _stem(model_path: Path, fingerprint: str, dtype: str) -> str:
    return f"embed-{model_path.name}-{fingerprint}-{dtype}-"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


class TracedModel:
    """A traced sentence embedding module with its tokenizer: ``encode`` is sentence-transformers' ``encode`` for it
    (texts sorted by length, tokenized per batch, padded to the batch's longest, truncated at the model's length)."""

    def __init__(self, module: Any, tokenizer: Any) -> None:
        self.module = module
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, path: Path, model_path: Path) -> TracedModel:
        """Load a file written by ``save_traced`` (raises what torch or tokenizers raise on a bad file)."""
        import torch

        extra = {_META: ""}
        module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
        module.eval()
        return cls(module, _tokenizer(model_path, json.loads(extra[_META])))

    def encode(self, texts: Sequence[str], batch_size: int) -> Any:
        """The model's sentence embeddings (a torch tensor in its number type), one row per text, same order."""
        import torch

        # Ordered as sentence-transformers orders them (numpy's default sort), so the batches, their padding and
        # hence the vectors are the same as the eager model's.
        order = np.argsort([-len(text) for text in texts]).tolist()
        rows: list[Any] = [None] * len(texts)
        # The profiling executor re-optimises the graph for every new input shape, which costs more than it saves
        # for a model this small with a new sequence length in nearly every batch.
        with torch.inference_mode(), torch.jit.optimized_execution(False):
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                encoded = self.tokenizer.encode_batch([texts[i] for i in batch])
                ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
                mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
                out = self.module(ids, mask, torch.zeros_like(ids))
                for i, row in zip(batch, out, strict=True):
                    rows[i] = row
        return torch.stack(rows)


def save_traced(model: Any, path: Path, model_path: Path) -> bool:
    """Trace a loaded sentence-transformers model of a Transformer + Pooling (+ Normalize) pipeline and keep it at
    ``path`` (written atomically) if it gives the eager model's vectors on the check texts; False, and nothing
    written, when the model has no ``tokenizer.json``, cannot be traced or does not match."""
    if not (model_path / "tokenizer.json").is_file():
        return False
    import torch

    tokenizer = model.tokenizer
    meta = {
        "max_seq_length": int(model.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        word_pieces = _tokenizer(model_path, meta)
        example = word_pieces.encode_batch(_CHECK_TEXTS[:3])
        ids = torch.tensor([e.ids for e in example], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in example], dtype=torch.long)
        with torch.no_grad(), warnings.catch_warnings():
            # The tracer warns about every Python branch on a tensor; the check below is what says the trace holds.
            warnings.simplefilter("ignore")
            module = torch.jit.trace(_pipeline(model), (ids, mask, torch.zeros_like(ids)), check_trace=False)
        traced = TracedModel(module, word_pieces)
        if not _matches(model, traced):
            log.warning("the traced embedding model does not match the loaded one; not keeping it")
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.jit.save(module, str(tmp), _extra_files={_META: json.dumps(meta)})
        os.replace(tmp, path)
        return True
    except Exception as exc:  # a model this cannot trace is still served, the slow way
        log.warning("could not keep a traced copy of the embedding model (%s: %s)", type(exc).__name__, exc)
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _matches(model: Any, traced: TracedModel) -> bool:
    """Whether the traced vectors are the eager ones (cosine at or above the floor for every check text) in batches
    of other shapes than the traced one, each batched alike (one text alone is a batch without padding; padding
    itself moves bfloat16 vectors by rounding, so the two are compared on the same batches)."""
    import torch

    for size in (1, 2, len(_CHECK_TEXTS)):
        eager = model.encode(_CHECK_TEXTS, batch_size=size, convert_to_tensor=True, show_progress_bar=False)
        ours = traced.encode(_CHECK_TEXTS, size)
        cosine = torch.nn.functional.cosine_similarity(eager.float(), ours.float(), dim=1)
        if float(cosine.min()) < _COSINE_FLOOR:
            return False
    return True


def _tokenizer(model_path: Path, meta: dict[str, Any]) -> Any:
    """The model's fast tokenizer as sentence-transformers configures it: truncated at the model's length and
    padded to the longest text of a batch (``tokenizer.json`` itself may say otherwise)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
    tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=str(meta["pad_token"]))
    return tokenizer


def _pipeline(model: Any) -> Any:
    """The module traced: the three token tensors in, the loaded pipeline's ``sentence_embedding`` out (the class
    is made here so that torch is imported only when a model is loaded)."""
    import torch

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.model(features)["sentence_embedding"]

    return Pipeline().eval()
