"""Training the scikit-learn baseline with thresholds tuned on validation data."""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..models.baseline import BaselineClassifier, BaselineTagger
from ..data import default_labels, read_examples, training_data_record
from ..evaluation import label_metrics
from ..labels import to_indicator
from .thresholds import tune_thresholds

__all__ = ["train_baseline"]


def train_baseline(
    train_data: Any,
    eval_data: Any = None,
    labels: list[str] | None = None,
    estimator: BaselineClassifier | None = None,
) -> BaselineTagger:
    """Fit a :class:`BaselineClassifier` and tune per-label thresholds.

    Args:
        train_data: labelled segments (``datasets.Dataset``, path or list of dicts).
        eval_data: held-out segments for the thresholds; ``None`` keeps 0.5.
        labels: label set (default: pressctx's labels, or those found in the data).
        estimator: an unfitted estimator with chosen hyper-parameters.

    Returns:
        A fitted :class:`BaselineTagger`.

    Example:
        >>> corpus = pressctx.load_corpus()  # doctest: +SKIP
        >>> tagger = train_baseline(corpus["train"], corpus["validation"])  # doctest: +SKIP
    """
    train = read_examples(train_data, labels=labels)
    if labels is None:
        labels = default_labels(train)
    dev = read_examples(eval_data, labels=labels) if eval_data is not None else None
    started = time.perf_counter()
    est = (estimator or BaselineClassifier()).fit(train.texts, to_indicator(train.labels, labels))
    meta: dict[str, Any] = {
        "training_data": training_data_record(train, dev),
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    thresholds = None
    if dev is not None:
        y_dev = to_indicator(dev.labels, labels)
        probs = est.predict_proba(dev.texts)
        thresholds = tune_thresholds(y_dev, probs)
        meta["validation"] = label_metrics(y_dev, (probs >= np.asarray(thresholds)).astype(int), labels)
    return BaselineTagger(est, labels, thresholds, meta)
