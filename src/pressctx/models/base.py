"""The tagger interface shared by the transformer model and the baseline.

A tagger scores segments (``predict_proba``: numbers only) and builds results from
those scores (``tag`` / ``tag_many``: objects), in the manner of spaCy's
``predict`` / ``set_annotations`` split.
"""
from __future__ import annotations

import abc
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelLoadError
from ..labels import check_label_set
from ..results import TagResult, build_result
from ..segmentation import segment_text

__all__ = ["Tagger", "FORMAT_VERSION", "check_segments", "read_config"]

logger = logging.getLogger(__name__)

#: Version of the model-directory layout written by ``save_pretrained``.
FORMAT_VERSION = 1


def check_segments(segments: Any) -> list[str]:
    """Validate a batch of segments: a sequence of ``str``, not a bare ``str``.

    Raises:
        TypeError: naming what was expected and what came.
    """
    if isinstance(segments, (str, bytes)):
        raise TypeError(
            "segments must be a sequence of str, got a single "
            f"{type(segments).__name__}; wrap it in a list: [text], or use tag(text) for a document"
        )
    if not isinstance(segments, Iterable):
        raise TypeError(f"segments must be a sequence of str, got {type(segments).__name__}")
    out = list(segments)
    for i, seg in enumerate(out):
        if not isinstance(seg, str):
            raise TypeError(f"segments[{i}] must be a str, got {type(seg).__name__}")
    return out


def split_by_document(probs: np.ndarray, docs: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """Cut the rows of a flat score array back into one array per document."""
    bounds = np.cumsum([len(doc) for doc in docs])[:-1]
    return list(np.split(probs, bounds)) if docs else []


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        hint = " (decode bytes first, e.g. data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"text must be a str, got {type(text).__name__}{hint}")
    return text


def read_config(path: str | Path) -> dict[str, Any]:
    """Read ``config.json`` of a model directory.

    Raises:
        ModelLoadError: if the directory or its config is missing or unreadable.
    """
    path = Path(path)
    cfg = path / "config.json"
    if not cfg.is_file():
        raise ModelLoadError(
            f"{path} is not a pressctx model directory (no config.json); expected a folder "
            "written by save_pretrained or `pressctx train`, or one of the names 'default', 'baseline'"
        )
    try:
        return json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"cannot read {cfg}: {exc}") from exc


class Tagger(abc.ABC):
    """Scores segments for a fixed label set and builds document results.

    Subclasses implement :meth:`predict_proba` and :meth:`save_pretrained`.

    Attributes:
        labels: label names, the column order of :meth:`predict_proba`.
        thresholds: one decision threshold per label.
    """

    def __init__(self, labels: Sequence[str], thresholds: Sequence[float] | None = None) -> None:
        self.labels: tuple[str, ...] = check_label_set(labels)
        if thresholds is None:
            thresholds = [0.5] * len(self.labels)
        if isinstance(thresholds, dict):
            thresholds = [thresholds[lab] for lab in self.labels]
        if len(thresholds) != len(self.labels) or not all(0.0 <= float(t) <= 1.0 for t in thresholds):
            raise ValueError(f"need one threshold in [0, 1] per label {self.labels}, got {thresholds!r}")
        self.thresholds: tuple[float, ...] = tuple(float(t) for t in thresholds)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(labels={self.labels!r})"

    @abc.abstractmethod
    def predict_proba(self, segments: Sequence[str]) -> np.ndarray:
        """Score segments.

        Args:
            segments: a sequence of segment texts.

        Returns:
            Array of shape ``(len(segments), len(self.labels))`` with values in [0, 1].

        Raises:
            TypeError: if ``segments`` is a bare ``str`` or holds non-strings.
        """

    @abc.abstractmethod
    def save_pretrained(self, path: str | Path) -> Path:
        """Write the model to a directory that :func:`pressctx.load` reads."""

    def predict(self, segments: Sequence[str]) -> list[tuple[str, ...]]:
        """Labels of each segment, thresholds applied.

        Args:
            segments: a sequence of segment texts.

        Returns:
            One tuple of label names per segment (empty when none applies).

        Example:
            >>> tagger.predict(["Views: 12"])  # doctest: +SKIP
            [()]
        """
        probs = self.predict_proba(segments)
        return [self._labels_of(row) for row in probs]

    def _labels_of(self, row: np.ndarray) -> tuple[str, ...]:
        return tuple(lab for lab, p, t in zip(self.labels, row, self.thresholds) if p >= t)

    #: The stage name results give for segments this tagger scores (``Segment.stage``).
    model_type = "tagger"

    def _score_documents(self, docs: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Score the segments of several documents at once (one array per document)."""
        return self._score_documents_staged(docs)[0]

    def _score_documents_staged(self, docs: Sequence[Sequence[str]]) -> tuple[list[np.ndarray], list[list[str]]]:
        """Scores per document, and which stage decided each segment."""
        flat = [seg for doc in docs for seg in doc]
        probs = self.predict_proba(flat) if flat else np.zeros((0, len(self.labels)), dtype=np.float32)
        return split_by_document(probs, docs), [[self.model_type] * len(doc) for doc in docs]

    def tag(self, text: str) -> TagResult:
        """Tag one document.

        Args:
            text: the document. Empty or whitespace-only text gives a result with
                no segments and no labels.

        Returns:
            A :class:`~pressctx.results.TagResult`.

        Raises:
            TypeError: if ``text`` is not a ``str``.

        Example:
            >>> result = pressctx.load().tag(article)  # doctest: +SKIP
            >>> result.labels  # doctest: +SKIP
            ('disclaimer', 'censorship_law', 'hostile_environment')
        """
        return next(self.tag_many([text]))

    def tag_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[TagResult]:
        """Tag a stream of documents, batching segments across documents.

        Documents are read lazily in windows of about ``batch_size * 16`` segments,
        so memory stays bounded for unbounded streams; results come in input order.

        Args:
            texts: iterable of documents (``str``).
            batch_size: segments per model batch (a transformer on CPU runs them in forward
                passes of at most ``CPU_FORWARD_BATCH`` = 16, which measured as fast and lighter).

        Yields:
            One :class:`~pressctx.results.TagResult` per input document.

        Raises:
            TypeError: if ``texts`` is a bare ``str`` or yields a non-string.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be an iterable of str, got a single str; use tag(text) or [text]")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        window = batch_size * 16
        pending: list[tuple[str, list]] = []
        n_segments = 0
        for text in texts:
            text = _check_text(text)
            spans = segment_text(text)
            pending.append((text, spans))
            n_segments += len(spans)
            if n_segments >= window:
                yield from self._flush(pending, batch_size)
                pending, n_segments = [], 0
        if pending:
            yield from self._flush(pending, batch_size)

    def _flush(self, pending: list[tuple[str, list]], batch_size: int) -> Iterator[TagResult]:
        docs = [[s.text for s in spans] for _, spans in pending]
        with self._batch_size(batch_size):
            scores, stages = self._score_documents_staged(docs)
        for (text, spans), probs, doc_stages in zip(pending, scores, stages):
            yield build_result(
                text, [(s.start, s.end, s.text) for s in spans], probs, self.labels, self.thresholds, stages=doc_stages
            )

    def _batch_size(self, batch_size: int):
        """Context manager setting the model batch size for one flush (no-op by default)."""
        import contextlib

        return contextlib.nullcontext()
