"""Near-duplicate detection with character n-gram shingles and Jaccard similarity.

Two segments are near-duplicates when the Jaccard similarity of their sets of
character 5-grams (after lower-casing and collapsing punctuation and spaces) is at
least :data:`NEAR_DUP_THRESHOLD`. The corpus splits are built so that no pair
across splits reaches it, and a test enforces that.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["NEAR_DUP_THRESHOLD", "normalise", "shingles", "near_duplicate_pairs"]

#: Jaccard similarity of character 5-gram sets at or above which two texts are near-duplicates.
NEAR_DUP_THRESHOLD = 0.5
_N = 5


def normalise(text: str) -> str:
    """Lower-case, drop punctuation, collapse whitespace."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def shingles(text: str, n: int = _N) -> set[str]:
    """The set of character ``n``-grams of the normalised text (the whole text if shorter)."""
    norm = normalise(text)
    if len(norm) <= n:
        return {norm} if norm else set()
    return {norm[i : i + n] for i in range(len(norm) - n + 1)}


def _matrix(texts: Sequence[str], vocab: dict[str, int]):
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for text in texts:
        for g in shingles(text):
            indices.append(vocab.setdefault(g, len(vocab)))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return indptr, indices, data, csr_matrix


def near_duplicate_pairs(
    texts_a: Sequence[str],
    texts_b: Sequence[str] | None = None,
    threshold: float = NEAR_DUP_THRESHOLD,
    chunk: int = 512,
) -> list[tuple[int, int, float]]:
    """Pairs of near-duplicate texts.

    Args:
        texts_a: first collection.
        texts_b: second collection; ``None`` compares ``texts_a`` with itself
            (each unordered pair once, no self-pairs).
        threshold: Jaccard similarity at or above which a pair is reported.
        chunk: rows compared at once (memory bound).

    Returns:
        ``(i, j, similarity)`` with ``i`` indexing ``texts_a`` and ``j`` indexing
        ``texts_b`` (or ``texts_a``).
    """
    same = texts_b is None
    b_texts = texts_a if same else texts_b
    vocab: dict[str, int] = {}
    pa, ia, da, csr = _matrix(texts_a, vocab)
    pb, ib, db, _ = _matrix(b_texts, vocab)
    a = csr((da, ia, pa), shape=(len(texts_a), max(len(vocab), 1)))
    b = csr((db, ib, pb), shape=(len(b_texts), max(len(vocab), 1)))
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    bt = b.T.tocsc()
    out: list[tuple[int, int, float]] = []
    for start in range(0, a.shape[0], chunk):
        inter = (a[start : start + chunk] @ bt).toarray()
        union = size_a[start : start + chunk, None] + size_b[None, :] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(union > 0, inter / union, 0.0)
        rows, cols = np.nonzero(sim >= threshold)
        for r, c in zip(rows, cols):
            i = start + int(r)
            if same and c <= i:
                continue
            out.append((i, int(c), float(sim[r, c])))
    return out
