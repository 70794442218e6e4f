"""Evaluation charts: precision-recall per label, macro F1 per language, label confusion."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_evaluation", "label_confusion", "label_cooccurrence"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def label_confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Which label a segment's gold label is taken for: a confusion matrix for multi-label data.

    Rows are gold labels plus ``"none"`` (segments without labels), columns predicted
    labels plus ``"none"``. For a gold label ``L``: cell ``(L, L)`` counts the segments
    where ``L`` was found; cell ``(L, M)`` those where ``L`` was missed and ``M`` was
    predicted although not gold (``L`` taken for ``M``); cell ``(L, none)`` those where
    ``L`` was missed and no wrong label stood in. Row ``none``: false alarms per label,
    and ``(none, none)`` the segments rightly left without labels. Labels that are
    gold together (a disclaimer that names a law) do not show as confusions.

    Args:
        y_true: 0/1 array ``(n, n_labels)``.
        y_pred: 0/1 array of the same shape.
        labels: column names.

    Returns:
        A ``(n_labels + 1, n_labels + 1)`` count matrix (rows gold, columns predicted)
        and the row/column names.
    """
    y_true = np.asarray(y_true) > 0.5
    y_pred = np.asarray(y_pred) > 0.5
    k = len(labels)
    counts = np.zeros((k + 1, k + 1), dtype=int)
    wrong = y_pred & ~y_true  # predicted labels that are not gold
    for j in range(k):
        gold = y_true[:, j]
        counts[j, j] = int((gold & y_pred[:, j]).sum())
        missed = gold & ~y_pred[:, j]
        counts[j, :k] += (wrong[missed]).sum(axis=0) * (np.arange(k) != j)
        counts[j, k] = int((missed & ~wrong.any(axis=1)).sum())
    empty = ~y_true.any(axis=1)
    counts[k, :k] = y_pred[empty].sum(axis=0)
    counts[k, k] = int((empty & ~y_pred.any(axis=1)).sum())
    return counts, [*labels, "none"]


def label_cooccurrence(y_true: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Segments carrying both labels, from the gold labels (the diagonal: each label's segments)."""
    y = (np.asarray(y_true) > 0.5).astype(int)
    return y.T @ y


def _pr_curves(reports: Sequence[Any], path: Path) -> None:
    from sklearn.metrics import precision_recall_curve

    plt = _plt()
    labels = list(reports[0].labels)
    fig, axes = plt.subplots(1, len(labels), figsize=(4.6 * len(labels), 4.6), layout="constrained", squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (j, lab) in zip(axes[0], enumerate(labels)):
        for k, rep in enumerate(reports):
            y, s = rep.y_true[:, j], rep.y_score[:, j]
            color = colors[k % len(colors)]
            if y.sum() == 0:
                continue
            prec, rec, _ = precision_recall_curve(y, s)
            ax.plot(rec, prec, color=color, lw=1.6, label=rep.model)
            t = rep.thresholds[j]
            pred = s >= t
            tp = float((pred & (y > 0)).sum())
            p_at = tp / pred.sum() if pred.sum() else 1.0
            r_at = tp / y.sum()
            ax.plot([r_at], [p_at], marker="o", ms=8, color=color, mec="black", zorder=5,
                    label=f"{rep.model}: threshold {t:.2f}")
        ax.set_title(f"{lab} ({int(reports[0].y_true[:, j].sum())} positive segments)")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    fig.suptitle("Precision-recall per label (dot: the model's threshold)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _f1_by_language(reports: Sequence[Any], path: Path) -> None:
    plt = _plt()
    langs = sorted(reports[0].by_lang, key=lambda k: -reports[0].by_lang[k]["n"])
    width = 0.8 / len(reports)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(langs) * max(1, len(reports) / 2) + 2), 4.4), layout="constrained")
    x = np.arange(len(langs))
    for k, rep in enumerate(reports):
        vals = [rep.by_lang.get(lang, {}).get("macro", {}).get("f1", np.nan) for lang in langs]
        bars = ax.bar(x + (k - (len(reports) - 1) / 2) * width, vals, width, label=rep.model)
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    ax.set_xticks(x, [f"{lang}\n({reports[0].by_lang[lang]['n']} seg.)" for lang in langs])
    ax.set_ylim(0, 1.12)
    ax.set_xlabel("language")
    ax.set_ylabel("segment macro F1")
    ax.set_title("Macro F1 per language")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title="model", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _heatmap(ax: Any, counts: np.ndarray, share: np.ndarray, names: list[str], xlabel: str, ylabel: str) -> Any:
    short = [n.replace("_", "\n", 1) for n in names]
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(names)), short, fontsize=8)
    ax.set_yticks(range(len(names)), short, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return im


def _confusion(reports: Sequence[Any], path: Path) -> None:
    plt = _plt()
    labels = list(reports[0].labels)
    n = len(reports) + 1
    fig, axes = plt.subplots(1, n, figsize=(4.9 * n + 0.8, 5.4), layout="constrained", squeeze=False)
    co = label_cooccurrence(reports[0].y_true, labels)
    im = _heatmap(axes[0][0], co, co / np.maximum(np.diag(co)[:, None], 1), labels, "gold label", "gold label")
    axes[0][0].set_title("Gold labels together\n(segments with both)", fontsize=10)
    for ax, rep in zip(axes[0][1:], reports):
        counts, names = label_confusion(rep.y_true, rep.y_pred, labels)
        gold_rows = np.append(rep.y_true.sum(axis=0), (~(rep.y_true > 0.5).any(axis=1)).sum())
        _heatmap(ax, counts, counts / np.maximum(gold_rows[:, None], 1), names, "predicted label", "gold label")
        ax.set_title(f"{rep.model}: gold label found or taken for\n(off-diagonal: missed, other label predicted)",
                     fontsize=10)
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.7, label="share of the row's gold segments")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_evaluation(reports: Sequence[Any], out_dir: str | Path) -> dict[str, Path]:
    """Draw the evaluation charts of one or more models evaluated on the same data.

    Files: ``pr_curves.png`` (per label, each model's precision-recall curve with its
    threshold marked), ``f1_by_language.png`` (segment macro F1 per language, models
    side by side) and ``label_confusion.png`` (the gold labels' co-occurrence, then per
    model which label each gold label was found as or taken for; see
    :func:`label_confusion` and :func:`label_cooccurrence`).

    Args:
        reports: :class:`~pressctx.EvaluationReport` objects from :func:`pressctx.evaluate`.
        out_dir: the folder (created if missing).

    Returns:
        ``{name: path}`` of the files written.

    Raises:
        ValueError: if there are no reports, one lacks its scores (not made by
            :func:`pressctx.evaluate`), or they differ in labels.

    Example:
        >>> reports = [pressctx.evaluate(pressctx.load(m), "dev.jsonl", name=m) for m in ("default", "baseline")]  # doctest: +SKIP
        >>> plot_evaluation(reports, "plots/")  # doctest: +SKIP
    """
    if not reports:
        raise ValueError("plot_evaluation needs at least one report")
    for rep in reports:
        if rep.y_true is None or rep.y_score is None or rep.thresholds is None:
            raise ValueError(f"report {rep.model!r} has no per-row scores; make it with pressctx.evaluate")
        if list(rep.labels) != list(reports[0].labels):
            raise ValueError("the reports have different labels; evaluate the models on the same labels")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"pr_curves": out / "pr_curves.png", "f1_by_language": out / "f1_by_language.png",
             "label_confusion": out / "label_confusion.png"}
    _pr_curves(reports, paths["pr_curves"])
    _f1_by_language(reports, paths["f1_by_language"])
    _confusion(reports, paths["label_confusion"])
    return paths
