"""pressctx: tag news text with press-freedom context.

Three labels, per segment and per document: ``disclaimer`` (the outlet's own
press-freedom note), ``censorship_law`` (a law used against speech) and
``hostile_environment`` (a caveat that reporting is restricted or dangerous).

Example:
    >>> import pressctx
    >>> tagger = pressctx.load()  # doctest: +SKIP
    >>> tagger.tag(article).labels  # doctest: +SKIP

Importing pressctx loads no model, chooses no device and touches no network.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, ModelLoadError, NotFittedError, PressctxError, UnknownLawError
from .labels import LABELS

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"

__all__ = [
    "LABELS",
    "load",
    "load_corpus",
    "load_documents",
    "evaluate",
    "find_laws",
    "laws",
    "tag_dataset",
    "tag_ray",
    "tag_html",
    "Tagger",
    "TransformerTagger",
    "BaselineTagger",
    "BaselineClassifier",
    "Trainer",
    "TrainingArguments",
    "TagResult",
    "Segment",
    "Span",
    "StripResult",
    "EvaluationReport",
    "PressctxError",
    "DataError",
    "ConfigError",
    "ModelLoadError",
    "NotFittedError",
    "UnknownLawError",
    "__version__",
]

#: Names that :func:`load` maps to the models shipped with the package.
SHIPPED_MODELS = {
    # The default is the fine-tuned multilingual-e5-small model since 2026-12-08 (docs/models.md,
    # "Choosing the default"); MiniLM stays available as "minilm".
    "default": "multilingual",
    "transformer": "transformer",
    "minilm": "transformer",
    "multilingual": "multilingual",
    "baseline": "baseline",
}


def shipped_model_dir(name: str) -> Path:
    """The folder of a shipped model (``"transformer"``, ``"multilingual"`` or ``"baseline"``)."""
    from importlib import resources

    return Path(str(resources.files("pressctx._models").joinpath(name)))


def load(
    name_or_path: str | Path | None = None,
    *,
    cascade: bool | None = None,
    precision: str | None = None,
    runtime: str | None = None,
) -> "Tagger":
    """Load a tagger: a shipped model or a saved folder.

    Works offline: nothing is fetched from a model hub.

    Args:
        name_or_path: ``None`` or ``"default"`` for the default model, which is
            ``"multilingual"``: the fine-tuned multilingual-e5-small model;
            ``"minilm"`` (also ``"transformer"``) for the fine-tuned all-MiniLM-L6-v2 model,
            ``"baseline"`` for the scikit-learn baseline, or a folder written by
            ``save_pretrained`` or ``pressctx train``.
        cascade: transformer models only: ``False`` scores every segment with the
            transformer instead of the cheap screen first; ``None`` keeps the model's setting.
        precision: transformer models only: ``"fp32"``, ``"bf16"`` (torch only) or ``"int8"``;
            ``None`` keeps the model's setting.
        runtime: transformer models only: ``"torch"`` or ``"onnx"`` (the encoder in ONNX Runtime;
            in float32 the same scores as torch); ``None`` keeps the model's setting, or torch
            (float32) where onnxruntime is not installed.

    Returns:
        A :class:`Tagger` (``TransformerTagger`` or ``BaselineTagger``).

    Raises:
        ModelLoadError: if the folder is missing or not a pressctx model.
        TypeError: if ``name_or_path`` is not a string or path.

    Example:
        >>> tagger = pressctx.load("baseline")  # doctest: +SKIP
        >>> tagger.predict(["Views: 412"])  # doctest: +SKIP
        [()]
    """
    from .models.base import read_config

    if name_or_path is None:
        name_or_path = "default"
    if not isinstance(name_or_path, (str, Path)):
        raise TypeError(f"name_or_path must be a str or Path, got {type(name_or_path).__name__}")
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in SHIPPED_MODELS and not path.is_dir():
        path = shipped_model_dir(SHIPPED_MODELS[name_or_path])
        if not (path / "config.json").is_file():
            hint = (
                "; reinstall pressctx, or train one with "
                "`pressctx train --data real+corpus --base multilingual-e5-small --output DIR` and load DIR"
                if SHIPPED_MODELS[name_or_path] == "multilingual"
                else ""
            )
            raise ModelLoadError(f"the shipped model {name_or_path!r} is missing from this installation ({path}){hint}")
    elif not path.is_dir():
        raise ModelLoadError(
            f"no model folder at {str(name_or_path)!r}; expected 'default', 'baseline' or a folder written by "
            "save_pretrained / `pressctx train`"
        )
    kind = read_config(path).get("model_type")
    # Each kind imports only what it needs (a transformer without a screen never imports scikit-learn).
    if kind == "transformer":
        from .models.transformer import TransformerTagger

        tagger = TransformerTagger.from_pretrained(path, cascade=cascade, precision=precision, runtime=runtime)
    elif kind == "baseline":
        from .models.baseline import BaselineTagger

        tagger = BaselineTagger.from_pretrained(path)
    else:
        raise ModelLoadError(f"{path}: unknown model_type {kind!r} in config.json")
    tagger.name = str(name_or_path)
    return tagger


def __getattr__(name: str) -> Any:
    # Heavy modules (torch, transformers, datasets) load on first use, not at import.
    lazy = {
        "Tagger": ("models.base", "Tagger"),
        "TransformerTagger": ("models.transformer", "TransformerTagger"),
        "BaselineTagger": ("models.baseline", "BaselineTagger"),
        "BaselineClassifier": ("models.baseline", "BaselineClassifier"),
        "Trainer": ("training.trainer", "Trainer"),
        "TrainingArguments": ("training.args", "TrainingArguments"),
        "TagResult": ("results", "TagResult"),
        "Segment": ("results", "Segment"),
        "Span": ("results", "Span"),
        "StripResult": ("results", "StripResult"),
        "EvaluationReport": ("evaluation", "EvaluationReport"),
        "evaluate": ("evaluation", "evaluate"),
        "load_corpus": ("data", "load_corpus"),
        "load_documents": ("data", "load_documents"),
        "find_laws": ("lawlinking", "find_laws"),
        "laws": ("lawlinking", "laws"),
        "tag_dataset": ("io.records", "tag_dataset"),
        "tag_ray": ("integrations.ray", "tag_ray"),
        "tag_html": ("io.html", "tag_html"),
    }
    if name in lazy:
        import importlib

        module, attr = lazy[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pressctx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
