"""Evaluation of a tagger on labelled data, at segment and document level."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .data import Examples, read_examples
from .labels import to_indicator
from .models.base import Tagger

__all__ = [
    "evaluate",
    "EvaluationReport",
    "label_metrics",
    "format_side_by_side",
    "predict_examples_proba",
    "macro_f1_difference",
    "format_differences",
]


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Per-label precision/recall/F1/support with micro and macro averages.

    Args:
        y_true: 0/1 array ``(n, n_labels)``.
        y_pred: 0/1 array of the same shape.
        labels: column names.

    Returns:
        ``{"per_label": {label: {...}}, "micro": {...}, "macro": {...}, "n": n}``.
    """
    y_true = np.asarray(y_true) > 0.5
    y_pred = np.asarray(y_pred) > 0.5

    def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    per_label: dict[str, dict[str, float]] = {}
    totals = np.zeros(3)
    for j, lab in enumerate(labels):
        tp = float(np.sum(y_true[:, j] & y_pred[:, j]))
        fp = float(np.sum(~y_true[:, j] & y_pred[:, j]))
        fn = float(np.sum(y_true[:, j] & ~y_pred[:, j]))
        totals += (tp, fp, fn)
        p, r, f = prf(tp, fp, fn)
        per_label[lab] = {"precision": p, "recall": r, "f1": f, "support": int(tp + fn)}
    mp, mr, mf = prf(*totals)
    macro = {
        k: float(np.mean([per_label[lab][k] for lab in labels])) if labels else 0.0
        for k in ("precision", "recall", "f1")
    }
    support = int(sum(per_label[lab]["support"] for lab in labels))
    return {
        "per_label": per_label,
        "micro": {"precision": mp, "recall": mr, "f1": mf, "support": support},
        "macro": {**macro, "support": support},
        "n": int(y_true.shape[0]),
    }


@dataclass
class EvaluationReport:
    """Evaluation figures of one tagger on one dataset.

    Attributes:
        model: a name for the tagger.
        labels: the labels evaluated.
        segment: segment-level metrics (see :func:`label_metrics`).
        document: document-level metrics, or ``None`` when the data has no documents.
        by_lang: segment-level metrics per language.
    """

    model: str
    labels: tuple[str, ...]
    segment: dict[str, Any]
    document: dict[str, Any] | None = None
    by_lang: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Gold and predicted 0/1 arrays and each row's resampling unit (its document, or
    #: the row itself), kept for :func:`macro_f1_difference`; not part of ``to_dict``.
    y_true: np.ndarray | None = field(default=None, repr=False, compare=False)
    y_pred: np.ndarray | None = field(default=None, repr=False, compare=False)
    units: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: The scores behind ``y_pred`` and the thresholds applied, per label, for the
    #: precision-recall plots of :func:`pressctx.reports.plots.plot_evaluation`.
    y_score: np.ndarray | None = field(default=None, repr=False, compare=False)
    thresholds: tuple[float, ...] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, figures rounded to 4 decimals."""

        def rnd(obj: Any) -> Any:
            if isinstance(obj, dict):
                return {k: rnd(v) for k, v in obj.items()}
            if isinstance(obj, float):
                return round(obj, 4)
            return obj

        return rnd(
            {
                "model": self.model,
                "labels": list(self.labels),
                "segment": self.segment,
                "document": self.document,
                "by_lang": self.by_lang,
            }
        )

    def to_table(self) -> str:
        """A readable table of the figures."""
        return format_side_by_side([self])


def _table_rows(metrics: dict[str, Any], labels: Sequence[str]) -> list[tuple[str, dict[str, float]]]:
    rows = [(lab, metrics["per_label"][lab]) for lab in labels]
    rows += [("micro avg", metrics["micro"]), ("macro avg", metrics["macro"])]
    return rows


def format_side_by_side(reports: Sequence[EvaluationReport]) -> str:
    """Format one or more reports as a table, models side by side.

    Args:
        reports: reports over the same data.

    Returns:
        Text with segment-level, document-level and per-language blocks.
    """
    if not reports:
        return ""
    labels = list(reports[0].labels)
    name_w = max(22, *(len(lab) + 2 for lab in labels))
    col = 30
    out: list[str] = []

    def block(title: str, get) -> None:
        metrics = [get(r) for r in reports]
        if all(m is None for m in metrics):
            return
        out.append(title)
        out.append(" " * name_w + "".join(f"{r.model[: col - 2]:<{col}}" for r in reports))
        out.append(" " * name_w + "".join(f"{'P':>6}{'R':>7}{'F1':>7}{'n':>7}   " for _ in reports))
        first = next(m for m in metrics if m is not None)
        for name, _ in _table_rows(first, labels):
            cells = []
            for m in metrics:
                if m is None:
                    cells.append(f"{'-':<{col}}")
                    continue
                row = dict(_table_rows(m, labels)).get(name)
                cells.append(
                    f"{row['precision']:>6.3f}{row['recall']:>7.3f}{row['f1']:>7.3f}{row['support']:>7}   "
                    if row
                    else f"{'-':<{col}}"
                )
            out.append(f"{name:<{name_w}}" + "".join(cells))
        out.append("")

    n = reports[0].segment["n"]
    block(f"Segment level ({n} segments)", lambda r: r.segment)
    if reports[0].document is not None:
        block(f"Document level ({reports[0].document['n']} documents)", lambda r: r.document)
    langs = sorted(reports[0].by_lang, key=lambda k: -reports[0].by_lang[k]["n"])
    if langs:
        out.append("Macro F1 by language")
        for lang in langs:
            cells = "".join(
                f"{r.by_lang[lang]['macro']['f1']:>6.3f}{'':>24}" if lang in r.by_lang else f"{'-':<{col}}"
                for r in reports
            )
            out.append(f"{lang + ' (' + str(reports[0].by_lang[lang]['n']) + ')':<{name_w}}" + cells)
    return "\n".join(out).rstrip() + "\n"


def predict_examples_proba(tagger: Tagger, ex: Examples, progress: bool = True) -> np.ndarray:
    """Scores for every row; rows of a document are scored together, in document order.

    Args:
        tagger: any pressctx tagger.
        ex: the examples.
        progress: show a progress bar (on a terminal only).

    Returns:
        Array of shape ``(len(ex), len(tagger.labels))``.
    """
    from tqdm.auto import tqdm

    probs = np.zeros((len(ex), len(tagger.labels)), dtype=np.float32)
    alone = [i for i, d in enumerate(ex.doc_ids) if d is None]
    groups = list(ex.documents().values())
    step = 512
    chunks = [alone[i : i + step] for i in range(0, len(alone), step)]
    with tqdm(total=len(ex), desc="scoring", unit="seg", disable=None if progress else True, leave=False) as bar:
        for chunk in chunks:
            probs[chunk] = tagger.predict_proba([ex.texts[i] for i in chunk])
            bar.update(len(chunk))
        for start in range(0, len(groups), 32):
            batch = groups[start : start + 32]
            for idx, p in zip(batch, tagger._score_documents([[ex.texts[i] for i in g] for g in batch])):
                probs[idx] = p
                bar.update(len(idx))
    return probs


def evaluate(
    tagger: Tagger,
    data: Any,
    name: str | None = None,
    text_field: str = "text",
    batch_size: int = 64,
) -> EvaluationReport:
    """Evaluate a tagger on labelled segments.

    A document (rows sharing a ``doc_id``, or a row with ``segments``) carries a
    label if any of its segments does; document-level figures are given when the
    data has documents.

    Args:
        tagger: any pressctx tagger.
        data: a ``datasets.Dataset`` split, a JSONL/CSV/Parquet path, or a list of dicts.
        name: the model's name in the report (default: the tagger's class name).
        text_field: the text column.
        batch_size: segments per model batch.

    Returns:
        An :class:`EvaluationReport`.

    Raises:
        DataError: for a missing column, an unknown label or a ``DatasetDict``.

    Example:
        >>> report = pressctx.evaluate(pressctx.load(), pressctx.load_corpus()["test"])  # doctest: +SKIP
        >>> report.to_dict()["segment"]["macro"]["f1"]  # doctest: +SKIP
    """
    labels = tagger.labels
    ex = read_examples(data, labels=labels, text_field=text_field)
    y_true = to_indicator(ex.labels, labels)
    with tagger._batch_size(batch_size):
        y_score = predict_examples_proba(tagger, ex)
    y_pred = (y_score >= np.asarray(tagger.thresholds)).astype(np.int8)
    segment = label_metrics(y_true, y_pred, labels)
    document = None
    docs = ex.documents()
    if docs:
        groups = list(docs.values())
        d_true = np.stack([y_true[g].max(axis=0) for g in groups])
        d_pred = np.stack([y_pred[g].max(axis=0) for g in groups])
        document = label_metrics(d_true, d_pred, labels)
    by_lang = {}
    langs = np.asarray(ex.langs)
    for lang in sorted(set(ex.langs)):
        mask = langs == lang
        by_lang[lang] = label_metrics(y_true[mask], y_pred[mask], labels)
    units = np.asarray([f"doc:{d}" if d else f"row:{i}" for i, d in enumerate(ex.doc_ids)])
    return EvaluationReport(
        name or getattr(tagger, "name", type(tagger).__name__),
        labels,
        segment,
        document,
        by_lang,
        y_true=y_true,
        y_pred=y_pred,
        units=units,
        y_score=y_score,
        thresholds=tuple(float(t) for t in tagger.thresholds),
    )


def macro_f1_difference(
    a: EvaluationReport, b: EvaluationReport, n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> dict[str, float]:
    """Segment macro-F1 of ``a`` minus that of ``b``, with a paired bootstrap interval.

    Both reports must come from :func:`evaluate` on the same data. Each resample draws
    whole documents and stand-alone segments with replacement (rows of one document
    are not independent) and scores both models on the same draw.

    Returns:
        ``{"difference", "low", "high", "level", "resamples", "units"}``.

    Raises:
        ValueError: if a report lacks its arrays or the two were made on different data.
    """
    for r in (a, b):
        if r.y_true is None or r.y_pred is None or r.units is None:
            raise ValueError(f"report {r.model!r} has no per-row arrays; make it with pressctx.evaluate")
    if a.y_true.shape != b.y_true.shape or not np.array_equal(a.y_true, b.y_true) or list(a.labels) != list(b.labels):
        raise ValueError("the two reports were not made on the same data and labels")
    if n_boot < 1 or not 0 < level < 1:
        raise ValueError("n_boot must be >= 1 and level in (0, 1)")
    y, pa, pb = a.y_true, a.y_pred, b.y_pred

    def diff(rows: Any) -> float:
        f1 = [label_metrics(y[rows], p[rows], a.labels)["macro"]["f1"] for p in (pa, pb)]
        return f1[0] - f1[1]

    _, inverse = np.unique(a.units, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(inverse.max() + 1)]
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_boot)
    for i in range(n_boot):
        diffs[i] = diff(np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))]))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return {
        "difference": diff(slice(None)),
        "low": float(low),
        "high": float(high),
        "level": level,
        "resamples": n_boot,
        "units": len(members),
    }


def format_differences(reports: Sequence[EvaluationReport]) -> str:
    """One line per report after the first: its segment macro-F1 difference from the first,
    with the 95% interval of :func:`macro_f1_difference`; ``""`` for fewer than two reports."""
    lines = []
    for other in reports[1:]:
        d = macro_f1_difference(reports[0], other)
        lines.append(
            f"Segment macro F1, {reports[0].model} minus {other.model}: {d['difference']:+.3f} "
            f"(95% paired-bootstrap interval {d['low']:+.3f} to {d['high']:+.3f}, "
            f"resampling {d['units']} documents and stand-alone segments)\n"
        )
    return "".join(lines)
