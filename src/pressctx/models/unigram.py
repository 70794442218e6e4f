"""A compact tokenizer for large SentencePiece-unigram vocabularies (multilingual-e5-small's 250k pieces).

``tokenizers`` keeps a unigram vocabulary in a trie with a hash map per node: for the
250,002 pieces of multilingual-e5-small that is about 280 MB of resident memory, more than
the whole fine-tuned model. SentencePiece's own engine keeps the same pieces in a
double-array trie, about 15 MB. :class:`CompactUnigramTokenizer` reads a model folder's
``tokenizer.json`` and gives the same token ids as the ``transformers`` tokenizer built
from it, with the memory of the second engine:

- special tokens (``<s>``, ``</s>`` ...) are found in the raw text first, as ``tokenizers``
  does for added tokens that are not normalised;
- every other stretch of text goes through the file's own normaliser and pre-tokeniser,
  run by ``tokenizers`` (a shell tokenizer with a one-piece vocabulary: cheap);
- each pre-token is segmented by SentencePiece's Viterbi search over the file's pieces and
  scores (the same lattice, the same unknown-piece penalty: every piece but ``<unk>`` is an
  ordinary piece, as in the ``tokenizers`` vocabulary);
- the template (``<s> A </s>`` or ``<s> A </s> </s> B </s>``), ``longest_first`` truncation
  and right padding follow ``tokenizers``' rules.

Only what the taggers ask of a tokenizer at inference is offered (``__call__`` on texts or
pairs, ``sep_token``, ``model_input_names``, ``save_pretrained``); training keeps the
``transformers`` tokenizer. :func:`compact_tokenizer` decides when it is used: a unigram
``tokenizer.json`` with more than :data:`COMPACT_MIN_PIECES` pieces and the
``sentencepiece`` package installed. The identity of the ids is tested against the
``transformers`` tokenizer (tests/test_unigram_tokenizer.py).
"""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError

__all__ = ["CompactUnigramTokenizer", "compact_tokenizer", "COMPACT_MIN_PIECES"]

#: Unigram vocabularies with more pieces than this are tokenised by SentencePiece's engine.
COMPACT_MIN_PIECES = 100_000
_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def sentencepiece_available() -> bool:
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        return False
    return True


def compact_tokenizer(folder: str | Path) -> "CompactUnigramTokenizer | None":
    """A :class:`CompactUnigramTokenizer` for ``folder``, or ``None`` where it does not apply
    (not a unigram vocabulary, a small one, no ``sentencepiece``, or a layout it does not know)."""
    path = Path(folder) / "tokenizer.json"
    if not path.is_file() or not sentencepiece_available():
        return None
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # the transformers tokenizer reports the problem
    model = spec.get("model") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback") or len(model.get("vocab") or ()) <= COMPACT_MIN_PIECES:
        return None
    try:
        return CompactUnigramTokenizer(spec, Path(folder))
    except _Unsupported:
        return None


class _Unsupported(Exception):
    """The tokenizer.json uses something this class does not reproduce."""


class CompactUnigramTokenizer:
    """Token ids of a unigram ``tokenizer.json`` (see the module docstring), for inference.

    Args:
        spec: the parsed ``tokenizer.json``.
        folder: where it was read from (with ``tokenizer_config.json``); :meth:`save_pretrained`
            copies the files from there.
    """

    def __init__(self, spec: dict[str, Any], folder: Path) -> None:
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2 as pb
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        model = spec["model"]
        vocab = model["vocab"]
        unk_id = model.get("unk_id")
        if unk_id is None:
            raise _Unsupported("no unknown piece")
        added = spec.get("added_tokens") or []
        if any(t.get("normalized") or t.get("single_word") or t.get("lstrip") or t.get("rstrip") for t in added):
            raise _Unsupported("added tokens with matching options")
        for t in added:
            if not (0 <= t["id"] < len(vocab)) or vocab[t["id"]][0] != t["content"]:
                raise _Unsupported("added tokens outside the vocabulary")
        self._added = {t["content"]: t["id"] for t in added}
        self._added_re = re.compile("|".join(re.escape(s) for s in sorted(self._added, key=len, reverse=True))) if added else None
        self._single, self._pair = _template(spec.get("post_processor"))
        padding = spec.get("padding") or {}
        self.pad_token_id = int(padding.get("pad_id", 0 if "<pad>" not in self._added else self._added["<pad>"]))
        if (padding.get("direction") or "Right") != "Right":
            raise _Unsupported("left padding")

        proto = pb.ModelProto()
        proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
        proto.trainer_spec.unk_id = int(unk_id)
        proto.trainer_spec.bos_id = proto.trainer_spec.eos_id = proto.trainer_spec.pad_id = -1
        # Pre-tokens arrive normalised and with their metaspace: SentencePiece must take them as they are.
        proto.normalizer_spec.name = "identity"
        proto.normalizer_spec.add_dummy_prefix = False
        proto.normalizer_spec.remove_extra_whitespaces = False
        proto.normalizer_spec.escape_whitespaces = False
        normal, unknown = pb.ModelProto.SentencePiece.NORMAL, pb.ModelProto.SentencePiece.UNKNOWN
        for i, (piece, score) in enumerate(vocab):
            entry = proto.pieces.add()
            entry.piece, entry.score = piece, float(score)
            entry.type = unknown if i == unk_id else normal
        try:
            self._sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
        except (RuntimeError, OSError) as exc:
            raise _Unsupported(str(exc)) from exc
        del proto
        # The file's normaliser and pre-tokeniser, run by tokenizers over a one-piece vocabulary.
        shell = dict(spec, model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]], "byte_fallback": False},
                     added_tokens=[], post_processor=None, truncation=None, padding=None)
        self._shell = Tokenizer.from_str(json.dumps(shell))
        config = _read_json(self.folder / "tokenizer_config.json")
        self.model_input_names = list(config.get("model_input_names") or ["input_ids", "attention_mask"])
        if any(name not in ("input_ids", "attention_mask") for name in self.model_input_names):
            raise _Unsupported(f"inputs {self.model_input_names}")
        self.sep_token = config.get("sep_token")
        self.vocab_size = len(vocab)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_sp"] = self._sp.serialized_model_proto()
        state["_shell"] = self._shell.to_str()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import sentencepiece as spm
        from tokenizers import Tokenizer

        self.__dict__.update(state)
        self._sp = spm.SentencePieceProcessor(model_proto=state["_sp"])
        self._shell = Tokenizer.from_str(state["_shell"])

    def __len__(self) -> int:
        return self.vocab_size

    def _pieces(self, text: str) -> list[int | str]:
        """``text`` as special-token ids and pre-tokens (normalised words) still to segment."""
        out: list[int | str] = []
        pos = 0
        chunks: list[tuple[str, bool]] = []
        if self._added_re is not None:
            for m in self._added_re.finditer(text):
                if m.start() > pos:
                    chunks.append((text[pos : m.start()], False))
                chunks.append((m.group(), True))
                pos = m.end()
        if pos < len(text):
            chunks.append((text[pos:], False))
        for chunk, special in chunks:
            if special:
                out.append(self._added[chunk])
                continue
            normalized = self._shell.normalizer.normalize_str(chunk) if self._shell.normalizer else chunk
            if self._shell.pre_tokenizer:
                out.extend(w for w, _ in self._shell.pre_tokenizer.pre_tokenize_str(normalized) if w)
            elif normalized:
                out.append(normalized)
        return out

    def encode_texts(self, texts: Sequence[str]) -> list[list[int]]:
        """The ids of each text without the template's special tokens."""
        parts = [self._pieces(t) for t in texts]
        words = [p for ps in parts for p in ps if isinstance(p, str)]
        # One call for the whole batch, on this thread (its own thread pool costs more than it saves here).
        segmented = iter(self._sp.encode(words, num_threads=1)) if words else iter(())
        out = []
        for ps in parts:
            ids: list[int] = []
            for p in ps:
                if isinstance(p, str):
                    ids.extend(next(segmented))
                else:
                    ids.append(p)
            out.append(ids)
        return out

    def __call__(
        self,
        text: str | Sequence[str],
        text_pair: str | Sequence[str] | None = None,
        *,
        padding: bool | str = False,
        truncation: bool | str = False,
        max_length: int | None = None,
        return_tensors: str | None = None,
        **unused: Any,
    ) -> Any:
        """Encode texts (and optional pairs) as ``transformers`` tokenizers do: a
        ``BatchEncoding`` with ``input_ids`` and ``attention_mask``."""
        from transformers import BatchEncoding

        if unused:
            raise TypeError(f"unsupported arguments: {sorted(unused)}")
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        pairs = None
        if text_pair is not None:
            pairs = [text_pair] if isinstance(text_pair, str) else list(text_pair)
            if len(pairs) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(pairs)} pairs")
        if truncation not in (False, True, "longest_first", "do_not_truncate"):
            raise ValueError(f"unsupported truncation {truncation!r}")
        limit = max_length if truncation not in (False, "do_not_truncate") and max_length is not None else None
        firsts = self.encode_texts(texts)
        seconds = self.encode_texts(pairs) if pairs is not None else [None] * len(texts)
        rows = [self._assemble(a, b, limit) for a, b in zip(firsts, seconds)]
        if padding in (True, "longest") and not single:
            width = max((len(r) for r in rows), default=0)
        else:
            width = None
        input_ids, mask = [], []
        for r in rows:
            pad = (width - len(r)) if width is not None else 0
            input_ids.append(r + [self.pad_token_id] * pad)
            mask.append([1] * len(r) + [0] * pad)
        data = {"input_ids": input_ids, "attention_mask": mask}
        if single and return_tensors is None:  # tensors keep the batch axis, as transformers gives them
            data = {k: v[0] for k, v in data.items()}
        return BatchEncoding(data, tensor_type=return_tensors)

    def _assemble(self, a: list[int], b: list[int] | None, limit: int | None) -> list[int]:
        template = self._pair if b is not None else self._single
        if limit is not None:
            room = max(limit - sum(1 for x in template if isinstance(x, int)), 0)
            a, b = _truncate_longest_first(a, b, room)
        out: list[int] = []
        for x in template:
            out.extend(a if x == "A" else b if x == "B" else [x])  # type: ignore[list-item]
        return out

    def save_pretrained(self, path: str | Path) -> None:
        """Copy the tokenizer files this tokenizer was read from into ``path``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            src = self.folder / name
            if src.is_file() and src.resolve() != (path / name).resolve():
                shutil.copyfile(src, path / name)
        if not (path / "tokenizer.json").is_file():
            raise ModelLoadError(f"cannot save the tokenizer: {self.folder / 'tokenizer.json'} is gone")


def _truncate_longest_first(a: list[int], b: list[int] | None, room: int) -> tuple[list[int], list[int] | None]:
    """``tokenizers``' LongestFirst truncation of one sequence or a pair to ``room`` ids (from the right)."""
    if b is None:
        return a[:room], None
    if len(a) + len(b) <= room:
        return a, b
    n1, n2, swap = len(a), len(b), False
    if n1 > n2:
        n1, n2, swap = n2, n1, True
    n2 = n1 if n1 > room else max(n1, room - n1)
    if n1 + n2 > room:
        n1 = room // 2
        n2 = n1 + room % 2
    if swap:
        n1, n2 = n2, n1
    return a[:n1], b[:n2]


def _template(post: dict[str, Any] | None) -> tuple[list[Any], list[Any]]:
    """The single and pair templates as lists of ids and the letters ``A``/``B``."""
    if not post or post.get("type") != "TemplateProcessing":
        raise _Unsupported("post-processor")

    def parse(items: list[dict[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if "Sequence" in item:
                out.append(item["Sequence"]["id"])
            else:
                name = item["SpecialToken"]["id"]
                ids = post.get("special_tokens", {}).get(name, {}).get("ids")
                if not ids or len(ids) != 1:
                    raise _Unsupported(f"special token {name}")
                out.append(int(ids[0]))
            if any(v.get("type_id", 0) for v in item.values()):
                raise _Unsupported("token type ids")
        return out

    return parse(post["single"]), parse(post["pair"])


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
