"""Large frozen word-embedding matrices kept in float16.

multilingual-e5-small's vocabulary has 250,037 pieces: its word-embedding matrix is
384 MB in float32, more than the rest of the model together. Fine-tuning leaves it
frozen, so at load time it can be held in float16 (192 MB) and widened to float32
only for the rows a batch looks up. The values come from 4-bit blocks with float16
scales, so the float16 copy differs from the float32 one by at most one rounding step
of float16 (relative 2**-11); docs/models.md gives the effect on the validation figures.

The base's ``model.safetensors`` is read with ordinary file reads, a block of rows at a
time, not memory-mapped: a mapped file's pages would count in the process's resident
memory while the matrix is converted.
"""
from __future__ import annotations

import copy
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import ModelLoadError

__all__ = ["HalfEmbedding", "HALF_EMBEDDING_BYTES", "wants_half_embeddings", "load_encoder_half_embeddings"]

#: Frozen word-embedding matrices larger than this (in float32) are kept in float16 at load time.
HALF_EMBEDDING_BYTES = 128 * 1024 * 1024
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2)}
_ROWS_PER_READ = 8192


class HalfEmbedding(nn.Module):
    """A frozen embedding table stored in float16; looked-up rows come out in float32."""

    def __init__(self, weight: torch.Tensor, padding_idx: int | None = None) -> None:
        super().__init__()
        self.register_buffer("weight", weight.to(torch.float16), persistent=True)
        self.padding_idx = padding_idx
        self.num_embeddings, self.embedding_dim = weight.shape

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.embedding(input_ids, self.weight).to(torch.float32)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, dtype=float16"


def wants_half_embeddings(hf_config: Any) -> bool:
    """Whether a base with this configuration has a word-embedding matrix worth halving."""
    size = getattr(hf_config, "vocab_size", 0) * getattr(hf_config, "hidden_size", 0) * 4
    return size > HALF_EMBEDDING_BYTES


def _header(path: Path) -> tuple[dict, int]:
    """The safetensors header of ``path`` and the offset where its data starts."""
    try:
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            if length > 100 * 1024 * 1024:
                raise ValueError("header length out of range")
            header = json.loads(f.read(length))
    except (OSError, ValueError, struct.error) as exc:
        raise ModelLoadError(f"cannot read the safetensors header of {path}: {exc}") from exc
    return header, 8 + length


def _read_half(path: Path, info: dict, data_start: int) -> torch.Tensor:
    """The 2-D tensor described by ``info``, read in blocks of rows and stored as float16."""
    if info.get("dtype") not in _DTYPES or len(info.get("shape", ())) != 2:
        raise ModelLoadError(f"{path}: {WORD_EMBEDDINGS} is not a 2-D float tensor ({info.get('dtype')}, {info.get('shape')})")
    np_type, width = _DTYPES[info["dtype"]]
    rows, cols = info["shape"]
    begin, end = info["data_offsets"]
    if end - begin != rows * cols * width:
        raise ModelLoadError(f"{path}: {WORD_EMBEDDINGS} has {end - begin} bytes, expected {rows * cols * width}")
    out = np.empty((rows, cols), dtype=np.float16)
    with open(path, "rb") as f:
        f.seek(data_start + begin)
        for start in range(0, rows, _ROWS_PER_READ):
            n = min(_ROWS_PER_READ, rows - start)
            block = f.read(n * cols * width)
            if len(block) != n * cols * width:
                raise ModelLoadError(f"{path} is truncated inside {WORD_EMBEDDINGS}")
            out[start : start + n] = np.frombuffer(block, dtype=np_type).reshape(n, cols)
    return torch.from_numpy(out)


def load_encoder_half_embeddings(base_dir: str | Path, hf_config: Any) -> nn.Module:
    """The base encoder in ``base_dir`` (one ``model.safetensors``), built for ``hf_config``,
    with its word embeddings in a :class:`HalfEmbedding`.

    The float32 matrix is never held whole: the encoder is built with a one-row vocabulary,
    the other tensors are loaded as usual, and the matrix is read block by block into float16.

    Raises:
        ModelLoadError: if the file is missing, truncated or does not fit ``hf_config``.
    """
    from safetensors import safe_open
    from transformers import AutoModel

    path = Path(base_dir) / "model.safetensors"
    if not path.is_file():
        raise ModelLoadError(f"the base folder {base_dir} has no model.safetensors")
    header, data_start = _header(path)
    if WORD_EMBEDDINGS not in header:
        raise ModelLoadError(f"{path} has no {WORD_EMBEDDINGS}")
    rows, cols = header[WORD_EMBEDDINGS]["shape"]
    if rows != hf_config.vocab_size or cols != hf_config.hidden_size:
        raise ModelLoadError(f"{path}: word embeddings {rows}x{cols} do not fit the config ({hf_config.vocab_size}x{hf_config.hidden_size})")
    small = copy.deepcopy(hf_config)
    small.vocab_size = (hf_config.pad_token_id or 0) + 1
    encoder = AutoModel.from_config(small)
    expected = encoder.state_dict()
    state = {}
    try:
        with safe_open(str(path), framework="pt") as f:
            for key in f.keys():
                if key != WORD_EMBEDDINGS and key in expected:
                    state[key] = f.get_tensor(key)
    except Exception as exc:  # safetensors raises its own error types for damaged files
        raise ModelLoadError(f"cannot read {path}: {exc}") from exc
    missing = sorted(set(expected) - set(state) - {WORD_EMBEDDINGS})
    if missing:
        raise ModelLoadError(f"{path} lacks tensors the encoder needs: {missing[:5]}")
    encoder.load_state_dict(state, strict=False)
    del state
    weight = _read_half(path, header[WORD_EMBEDDINGS], data_start)
    encoder.embeddings.word_embeddings = HalfEmbedding(weight, hf_config.pad_token_id)
    encoder.config.vocab_size = rows
    encoder.eval()
    return encoder
