"""Evaluation charts: `pressctx evaluate --plots DIR`."""
from __future__ import annotations

import numpy as np
import pytest

import pressctx
from pressctx.reports.plots import label_confusion, label_cooccurrence, plot_evaluation

PNG = b"\x89PNG\r\n\x1a\n"


def test_label_confusion_counts():
    y_true = np.array([[1, 1, 0], [0, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0], [1, 0, 0]])
    counts, names = label_confusion(y_true, y_pred, ["a", "b", "c"])
    assert names == ["a", "b", "c", "none"]
    assert counts[0].tolist() == [2, 0, 0, 0]  # both gold-a segments found
    assert counts[1].tolist() == [1, 0, 0, 1]  # b taken for a once; missed once with only gold a predicted
    assert counts[2].tolist() == [0, 0, 0, 1]  # gold c, nothing predicted
    assert counts[3].tolist() == [0, 1, 0, 0]  # no gold label, b predicted (a false alarm)
    assert label_cooccurrence(y_true, "abc").tolist() == [[2, 1, 0], [1, 2, 0], [0, 0, 1]]


@pytest.fixture(scope="module")
def shipped_baseline():
    return pressctx.load("baseline")


def test_plots_for_two_models(shipped_baseline, tiny_tagger, toy_rows, tmp_path):
    rows = toy_rows + [dict(r, text=r["text"] + " Again.") for r in toy_rows]
    reports = [pressctx.evaluate(t, rows, name=n) for t, n in ((shipped_baseline, "baseline"), (tiny_tagger, "tiny"))]
    assert reports[0].y_score.shape == (len(rows), 3) and len(reports[0].thresholds) == 3
    paths = plot_evaluation(reports, tmp_path / "plots")
    assert sorted(p.name for p in paths.values()) == ["f1_by_language.png", "label_confusion.png", "pr_curves.png"]
    for p in paths.values():
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 10_000


def test_plots_need_scores(shipped_baseline, toy_rows, tmp_path):
    report = pressctx.evaluate(shipped_baseline, toy_rows)
    report.y_score = None
    with pytest.raises(ValueError, match="no per-row scores"):
        plot_evaluation([report], tmp_path)
    with pytest.raises(ValueError, match="at least one report"):
        plot_evaluation([], tmp_path)


def test_cli_plots(tmp_path, toy_rows, capsys):
    import json

    from pressctx.cli import main

    data = tmp_path / "dev.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in toy_rows), encoding="utf-8")
    assert main(["evaluate", "--model", "baseline", "--data", str(data), "--plots", str(tmp_path / "p")]) == 0
    assert {p.name for p in (tmp_path / "p").iterdir()} == {"pr_curves.png", "f1_by_language.png", "label_confusion.png"}
