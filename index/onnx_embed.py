"""The packaged MiniLM run by ONNX Runtime with int8 weights (``ASSISTANT_INDEX__EMBED_BACKEND=onnx-int8``).

The ONNX file is made here, once, from the local model folder (torch exports the transformer, ONNX Runtime's
dynamic quantisation turns its matrix multiplications into per-channel int8), and cached in the data folder under
a name that carries the model folder's fingerprint; nothing is downloaded. Embedding then needs neither torch nor
transformers: the model's own ``tokenizer.json`` (truncated at its ``max_seq_length``, padded per batch), the
ONNX session, mean pooling over the attention mask and unit length, which is what the sentence-transformers
pipeline of this model (Transformer, mean Pooling, Normalize) computes. The vectors are close to, not equal to,
the torch ones (cosine about 0.99), so the variant has its own ``model_id``: an index built by the other one is
embedded again, never mixed."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import folder_fingerprint, packaged_minilm_path

# Bump when the export or the quantisation changes what the vectors are (a new id re-embeds the index).
EXPORT_VERSION = "1"
ONNX_FILE = "model_int8.onnx"


class OnnxInt8Embedder:
    """A sentence-transformers model folder (mean pooling, normalised) run as an int8 ONNX model on the CPU."""

    def __init__(
        self, model_path: Path | None = None, cache_dir: Path | None = None, batch_size: int = 16, threads: int = 0
    ) -> None:
        self.model_path = Path(model_path) if model_path else packaged_minilm_path()
        fingerprint = folder_fingerprint(self.model_path)
        self.model_id = f"onnx-int8:{self.model_path.name}:{fingerprint}:{EXPORT_VERSION}"
        base = Path(cache_dir) if cache_dir else self.model_path.parent
        self.onnx_dir = base / f"{self.model_path.name}-onnx-{fingerprint}-v{EXPORT_VERSION}"
        self.batch_size = batch_size
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads (from ``sentence_bert_config.json``); longer inputs are truncated."""
        config = self.model_path / "sentence_bert_config.json"
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))

    def onnx_path(self) -> Path:
        """The cached int8 ONNX file, exported (once, under a lock) if missing."""
        path = self.onnx_dir / ONNX_FILE
        if not path.is_file():
            export_int8(self.model_path, path)
        return path

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=self.max_seq_length)
                pad = tokenizer.padding or {}
                tokenizer.enable_padding(pad_id=int(pad.get("pad_id", 0)), pad_token=str(pad.get("pad_token", "[PAD]")))
                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                self._session = ort.InferenceSession(str(self.onnx_path()), options, providers=["CPUExecutionProvider"])
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def count_word_pieces(self, text: str) -> int:
        """Word pieces of a text as the model's tokenizer counts them (with special tokens, before truncation)."""
        from tokenizers import Tokenizer

        return len(Tokenizer.from_file(str(self.model_path / "tokenizer.json")).encode(text).ids)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised embeddings, one per text, same order (batched by length, so little padding is computed)."""
        session, tokenizer = self._load()
        items = list(texts)
        order = sorted(range(len(items)), key=lambda i: len(items[i]), reverse=True)
        out: list[list[float]] = [[] for _ in items]
        wanted = {i.name for i in session.get_inputs()}
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([items[i] for i in batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, vector in zip(batch, pooled, strict=True):
                out[i] = vector.tolist()
        return out


def export_int8(model_path: Path, dest: Path) -> None:
    """Export the transformer of a local sentence-transformers folder to ONNX and quantise it to int8 (per-channel,
    matrix multiplications only: quantising the embedding table too moved vectors to cosine 0.94), writing ``dest``
    atomically. Another process exporting the same file waits for it. Needs torch, onnx and onnxruntime; reads
    nothing but the folder."""
    from index.manifest import exclusive_lock

    dest.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(dest.parent / ".export.lock"):
        if dest.is_file():
            return
        import torch
        from transformers import AutoModel, AutoTokenizer

        try:
            from onnxruntime.quantization import QuantType, quantize_dynamic
        except ImportError as exc:  # onnxruntime's quantiser (and torch's exporter) need the onnx package
            raise RuntimeError(f"exporting the onnx-int8 embedder needs `pip install onnx==1.23.2` ({exc})") from exc

        model = AutoModel.from_pretrained(str(model_path)).eval()
        example = AutoTokenizer.from_pretrained(str(model_path))(["an example sentence"], return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        fp32 = dest.with_name(f".{dest.stem}.{os.getpid()}.fp32.onnx")
        tmp = dest.with_name(f".{dest.stem}.{os.getpid()}.tmp.onnx")
        try:
            with torch.no_grad():
                torch.onnx.export(
                    _hidden(model),
                    tuple(example[n] for n in names),
                    str(fp32),
                    input_names=names,
                    output_names=["last_hidden_state"],
                    dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                    opset_version=17,
                    dynamo=False,
                )
            quantize_dynamic(
                str(fp32), str(tmp), op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8
            )
            os.replace(tmp, dest)
        finally:
            fp32.unlink(missing_ok=True)
            tmp.unlink(missing_ok=True)


def _hidden(model: Any) -> Any:
    """``model`` as a torch module mapping the three inputs, by name, to the last hidden state (what pooling reads);
    the class is made here so that torch is imported only to export."""
    import torch

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    return Hidden()
