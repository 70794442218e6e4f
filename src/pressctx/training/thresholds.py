"""Per-label decision thresholds tuned on a validation split."""
from __future__ import annotations

import numpy as np

__all__ = ["tune_thresholds"]

_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, grid: np.ndarray = _GRID) -> list[float]:
    """Choose, per label, the threshold that maximises F1 on held-out data.

    Ties go to the threshold closest to 0.5, and a label with no positives keeps 0.5.

    Args:
        y_true: 0/1 array of shape ``(n, n_labels)``.
        probs: scores of the same shape.
        grid: candidate thresholds.

    Returns:
        One threshold per label.
    """
    y_true = np.asarray(y_true) > 0.5
    probs = np.asarray(probs)
    out: list[float] = []
    for j in range(y_true.shape[1]):
        truth = y_true[:, j]
        if not truth.any():
            out.append(0.5)
            continue
        best, best_key = 0.5, (-1.0, 0.0)
        for t in grid:
            pred = probs[:, j] >= t
            tp = float(np.sum(pred & truth))
            f1 = 2 * tp / (pred.sum() + truth.sum()) if (pred.sum() + truth.sum()) else 0.0
            key = (round(f1, 6), -abs(t - 0.5))
            if key > best_key:
                best, best_key = float(t), key
        out.append(best)
    return out
