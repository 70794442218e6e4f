"""The scikit-learn baseline: TF-IDF word and character n-grams, one-vs-rest logistic regression.

:class:`BaselineClassifier` is a plain scikit-learn estimator (hyper-parameters in
``__init__`` only, checks in ``fit``, learned attributes ending in ``_``).
:class:`BaselineTagger` wraps a fitted one with per-label thresholds behind the
common :class:`~pressctx.models.base.Tagger` interface and saves it with skops.
"""
from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from ..errors import ModelLoadError, NotFittedError
from .base import FORMAT_VERSION, Tagger, check_segments, read_config

__all__ = ["BaselineClassifier", "BaselineTagger", "dump_estimator", "load_estimator"]

logger = logging.getLogger(__name__)

_MODEL_FILE = "model.skops"
# skops loads only types on this list: scikit-learn, numpy and scipy internals.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "pressctx.models.baseline.BaselineClassifier")


class BaselineClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label text classifier: TF-IDF n-grams into one-vs-rest logistic regression.

    Args:
        word_ngram_range: word n-gram sizes.
        char_ngram_range: character n-gram sizes (within word boundaries).
        min_df: minimum document frequency of a feature.
        C: inverse regularisation strength of each logistic regression.
        class_weight: passed to ``LogisticRegression`` (``"balanced"`` evens out rare labels).
        max_iter: solver iterations.

    Example:
        >>> clf = BaselineClassifier().fit(["a law", "rain"], [[1], [0]])  # doctest: +SKIP
        >>> clf.predict_proba(["the law"]).shape  # doctest: +SKIP
        (1, 1)
    """

    def __init__(
        self,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        C: float = 8.0,
        class_weight: str | None = "balanced",
        max_iter: int = 2000,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X: Sequence[str], y) -> "BaselineClassifier":
        """Fit on texts and a 0/1 indicator matrix of shape ``(n_samples, n_labels)``.

        Raises:
            TypeError: if ``X`` is a bare string or holds non-strings.
            ValueError: if ``X`` and ``y`` differ in length or a label column is constant.
        """
        X = check_segments(X)
        y = np.asarray(y)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if len(X) != y.shape[0]:
            raise ValueError(f"X has {len(X)} texts but y has {y.shape[0]} rows")
        constant = [j for j in range(y.shape[1]) if len(np.unique(y[:, j])) < 2]
        if constant:
            raise ValueError(f"label columns {constant} have a single class; each label needs positives and negatives")
        self.vectorizer_ = FeatureUnion(
            [
                ("word", TfidfVectorizer(ngram_range=self.word_ngram_range, min_df=self.min_df, sublinear_tf=True)),
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=self.char_ngram_range, min_df=self.min_df, sublinear_tf=True
                    ),
                ),
            ]
        )
        features = self.vectorizer_.fit_transform(X)
        self.classifier_ = OneVsRestClassifier(
            LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        ).fit(features, y.astype(int) if y.shape[1] > 1 else y.ravel().astype(int))
        self.n_labels_ = y.shape[1]
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Per-label probabilities, shape ``(n_samples, n_labels)``."""
        try:
            check_is_fitted(self, ["vectorizer_", "classifier_"])
        except Exception as exc:
            raise NotFittedError("this BaselineClassifier is not fitted yet; call fit(X, y) first") from exc
        X = check_segments(X)
        if not X:
            return np.zeros((0, self.n_labels_), dtype=np.float32)
        probs = self.classifier_.predict_proba(self.vectorizer_.transform(X))
        if self.n_labels_ == 1 and probs.shape[1] == 2:  # one label is fitted as a binary problem
            probs = probs[:, 1:]
        return probs.astype(np.float32)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """0/1 predictions at threshold 0.5, shape ``(n_samples, n_labels)``."""
        return (self.predict_proba(X) >= 0.5).astype(int)


def dump_estimator(estimator: BaselineClassifier, file: str | Path) -> None:
    """Write a fitted :class:`BaselineClassifier` with skops (deflated)."""
    import skops.io as sio

    # skops writes the vocabularies as JSON; deflate shrinks the file about tenfold.
    sio.dump(estimator, Path(file), compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def load_estimator(file: str | Path) -> BaselineClassifier:
    """Read a :class:`BaselineClassifier` written by :func:`dump_estimator`; only trusted types load.

    Raises:
        ModelLoadError: if the file is missing or holds types outside scikit-learn/numpy/scipy.
    """
    import skops.io as sio

    file = Path(file)
    if not file.is_file():
        raise ModelLoadError(f"{file.parent} has no {file.name}")
    try:
        untrusted = sio.get_untrusted_types(file=file)
    except Exception as exc:  # skops raises zipfile/JSON errors of several kinds on a damaged file
        raise ModelLoadError(f"cannot read {file}: {exc}") from exc
    refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelLoadError(f"{file} holds types pressctx does not load: {refused}")
    return sio.load(file, trusted=untrusted)


class BaselineTagger(Tagger):
    """The baseline behind the tagger interface.

    Args:
        estimator: a fitted :class:`BaselineClassifier`.
        labels: label names in the estimator's column order.
        thresholds: per-label decision thresholds.
        metadata: free-form provenance saved with the model.
    """

    model_type = "baseline"

    def __init__(
        self,
        estimator: BaselineClassifier,
        labels: Sequence[str],
        thresholds: Sequence[float] | None = None,
        metadata: dict | None = None,
    ) -> None:
        super().__init__(labels, thresholds)
        self.estimator = estimator
        self.metadata = dict(metadata or {})

    def predict_proba(self, segments: Sequence[str]) -> np.ndarray:
        segments = check_segments(segments)
        if not segments:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.estimator.predict_proba(segments)

    def save_pretrained(self, path: str | Path) -> Path:
        """Write ``model.skops`` and ``config.json`` to ``path``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        dump_estimator(self.estimator, path / _MODEL_FILE)
        config = {
            "model_type": self.model_type,
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            "thresholds": dict(zip(self.labels, self.thresholds)),
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.estimator.get_params().items()},
            **self.metadata,
        }
        (path / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_pretrained(cls, path: str | Path) -> "BaselineTagger":
        """Load a baseline saved by :meth:`save_pretrained`; only trusted types are loaded.

        Raises:
            ModelLoadError: if files are missing or hold types outside scikit-learn/numpy/scipy.
        """
        path = Path(path)
        config = read_config(path)
        estimator = load_estimator(path / _MODEL_FILE)
        labels = config["labels"]
        thresholds = config.get("thresholds")
        meta = {k: v for k, v in config.items() if k not in {"model_type", "format_version", "labels", "thresholds", "params"}}
        return cls(estimator, labels, thresholds, meta)
