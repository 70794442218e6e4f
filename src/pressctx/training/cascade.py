"""Give a transformer tagger a screen: the cheap first pass of cascaded tagging.

The screen (a :class:`~pressctx.models.baseline.BaselineTagger` over the same labels)
scores every segment; only segments whose highest screen score reaches the cut-off go
on to the transformer. The cut-off is set on validation data so that the screen passes
on at least ``recall`` of the segments the full transformer labels.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..data import read_examples
from ..errors import DataError
from ..evaluation import predict_examples_proba
from ..models.baseline import BaselineTagger
from ..models.transformer import TransformerTagger

__all__ = ["choose_cutoff", "attach_screen"]


def choose_cutoff(screen_scores: np.ndarray, flagged: np.ndarray, recall: float = 0.99) -> float:
    """The highest cut-off at which the screen keeps at least ``recall`` of the flagged segments.

    Args:
        screen_scores: the screen's score of each segment.
        flagged: whether the full transformer gives the segment any label.
        recall: share of flagged segments that must reach the cut-off.

    Returns:
        The cut-off (segments with a score at or above it pass); 0.0 when nothing is flagged.

    Raises:
        ValueError: if ``recall`` is not in (0, 1] or the arrays differ in length.
    """
    if not 0.0 < recall <= 1.0:
        raise ValueError(f"recall must be in (0, 1], got {recall!r}")
    screen_scores = np.asarray(screen_scores, dtype=np.float64)
    flagged = np.asarray(flagged, dtype=bool)
    if screen_scores.shape != flagged.shape:
        raise ValueError(f"{screen_scores.shape[0]} scores but {flagged.shape[0]} flags")
    kept = np.sort(screen_scores[flagged])
    if not len(kept):
        return 0.0
    # Up to floor((1 - recall) * n) flagged segments may fall below the cut-off.
    allowed = math.floor((1.0 - recall) * len(kept) + 1e-9)
    return float(kept[allowed])


def screen_and_flags(tagger: TransformerTagger, screen: BaselineTagger, validation: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each validation segment's screen score (its highest label probability) and whether the full
    transformer labels it (scored without the cascade, documents with their context)."""
    ex = read_examples(validation, labels=tagger.labels)
    was_cascade, tagger.cascade = tagger.cascade, False
    try:
        probs = predict_examples_proba(tagger, ex, progress=False)
    finally:
        tagger.cascade = was_cascade
    flagged = (probs >= np.asarray(tagger.thresholds)).any(axis=1)
    return screen.predict_proba(ex.texts).max(axis=1), flagged


def attach_screen(
    tagger: TransformerTagger, screen: BaselineTagger, validation: Any, recall: float = 0.99
) -> dict[str, Any]:
    """Set ``tagger``'s screen and its cut-off from validation data; turns the cascade on.

    Args:
        tagger: the transformer tagger (scored without a screen to find what it flags).
        screen: a baseline tagger with the same labels, in the same order.
        validation: labelled data in any form :func:`pressctx.data.read_examples` takes;
            documents are scored with their context, as the tagger reads them.
        recall: share of the segments the transformer labels that the screen must pass on.

    Returns:
        What was measured on the validation data (cut-off, shares), also stored in the
        screen's metadata.

    Raises:
        DataError: if the labels differ.
    """
    if tuple(screen.labels) != tuple(tagger.labels):
        raise DataError(f"the screen's labels {screen.labels} differ from the tagger's {tagger.labels}")
    scores, flagged = screen_and_flags(tagger, screen, validation)
    cutoff = choose_cutoff(scores, flagged, recall)
    passed = scores >= cutoff
    info = {
        "recall_target": recall,
        "validation_segments": len(scores),
        "validation_flagged_by_transformer": int(flagged.sum()),
        "validation_flagged_kept": round(float(passed[flagged].mean()) if flagged.any() else 1.0, 4),
        "validation_passed_share": round(float(passed.mean()), 4),
    }
    screen.metadata = {**screen.metadata, **info}
    tagger.screen, tagger.screen_cutoff, tagger.cascade = screen, cutoff, True
    return {"cutoff": cutoff, **info}
