"""The label set: one tuple is the truth for column order everywhere."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from .errors import DataError

__all__ = ["LABELS", "check_label_set", "to_indicator"]

#: The three labels of pressctx, in the column order of ``predict_proba``.
LABELS: tuple[str, ...] = ("disclaimer", "censorship_law", "hostile_environment")


def check_label_set(labels: Iterable[str]) -> tuple[str, ...]:
    """Validate a label list: non-empty, unique, non-empty strings.

    Args:
        labels: label names in column order.

    Returns:
        The labels as a tuple.

    Raises:
        DataError: if the list is empty, has duplicates or non-string items.
    """
    out = tuple(labels)
    if not out:
        raise DataError("a label set needs at least one label")
    bad = [lab for lab in out if not isinstance(lab, str) or not lab.strip()]
    if bad:
        raise DataError(f"labels must be non-empty strings, got {bad!r}")
    if len(set(out)) != len(out):
        raise DataError(f"labels must be unique, got {list(out)!r}")
    return out


def to_indicator(rows: Sequence[Sequence[str]], labels: Sequence[str]):
    """Turn lists of label names into a 0/1 matrix in ``labels`` column order.

    Args:
        rows: one list of label names per example.
        labels: the model's label names.

    Returns:
        ``numpy.ndarray`` of shape ``(len(rows), len(labels))`` and dtype float32.

    Raises:
        DataError: naming the first unknown label and the row it is in.
    """
    import numpy as np

    index = {lab: i for i, lab in enumerate(labels)}
    out = np.zeros((len(rows), len(labels)), dtype=np.float32)
    for r, names in enumerate(rows):
        if isinstance(names, str):
            raise DataError(
                f"row {r}: labels must be a list of label names, got the string {names!r}; "
                f"wrap it in a list: [{names!r}]"
            )
        for name in names:
            if name not in index:
                raise DataError(
                    f"row {r}: unknown label {name!r}; expected labels: {list(labels)}. "
                    "Train a model with a custom label set to use other labels."
                )
            out[r, index[name]] = 1.0
    return out
