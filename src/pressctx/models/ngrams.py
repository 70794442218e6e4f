"""Hashed character and word n-grams: the "wide" input of a transformer tagger.

An English-vocabulary encoder such as all-MiniLM-L6-v2 cuts Spanish, French or
Russian law names into many short word pieces and reads them poorly, while
character n-grams spell them out in any script. A tagger trained with
``ngram_buckets > 0`` adds a linear layer over hashed n-grams of each segment to
its encoder's output, and both are trained together (a "wide and deep" model).

The hashing is scikit-learn's ``HashingVectorizer`` (MurmurHash3, no vocabulary
to store), so the saved model needs only the bucket count and n-gram sizes.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["NgramHasher"]


class NgramHasher:
    """Turn segments into padded arrays of n-gram bucket ids and weights.

    Character n-grams (inside word boundaries, lower-cased) fill buckets
    ``[0, buckets)``; word n-grams fill ``[buckets, buckets + buckets // 4)``.
    Each part is L2-normalised per segment.

    Args:
        buckets: number of character n-gram buckets.
        char_range: character n-gram sizes.
        word_range: word n-gram sizes.
    """

    def __init__(self, buckets: int, char_range: Sequence[int] = (2, 5), word_range: Sequence[int] = (1, 2)) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        if not isinstance(buckets, int) or buckets < 16:
            raise ValueError(f"buckets must be an integer >= 16, got {buckets!r}")
        self.buckets = buckets
        self.char_range = tuple(int(n) for n in char_range)
        self.word_range = tuple(int(n) for n in word_range)
        common = {"alternate_sign": False, "norm": "l2", "lowercase": True, "dtype": np.float32}
        self._char = HashingVectorizer(analyzer="char_wb", ngram_range=self.char_range, n_features=buckets, **common)
        self._word = HashingVectorizer(analyzer="word", ngram_range=self.word_range, n_features=buckets // 4, **common)

    @property
    def size(self) -> int:
        """Total number of buckets (the wide layer's input size)."""
        return self.buckets + self.buckets // 4

    def config(self) -> dict[str, Any]:
        """JSON-ready settings, saved with the model."""
        return {"buckets": self.buckets, "char_range": list(self.char_range), "word_range": list(self.word_range)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "NgramHasher":
        return cls(int(config["buckets"]), config.get("char_range", (2, 5)), config.get("word_range", (1, 2)))

    def rows(self, texts: Sequence[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per segment: bucket ids (int64) and their weights (float32)."""
        import scipy.sparse as sp

        texts = list(texts)
        if not texts:
            return [], []
        char = self._char.transform(texts)
        word = self._word.transform(texts)
        both = sp.hstack([char, word], format="csr")  # word columns come after the character ones
        cuts = both.indptr[1:-1]
        return np.split(both.indices.astype(np.int64), cuts), np.split(both.data.astype(np.float32), cuts)

    @staticmethod
    def pad(ids: Sequence[np.ndarray], weights: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Stack rows into ``(n, longest)`` arrays; padding has id 0 and weight 0."""
        width = max((len(r) for r in ids), default=0) or 1
        out_ids = np.zeros((len(ids), width), dtype=np.int64)
        out_w = np.zeros((len(ids), width), dtype=np.float32)
        for i, (r, w) in enumerate(zip(ids, weights)):
            out_ids[i, : len(r)] = r
            out_w[i, : len(w)] = w
        return out_ids, out_w
