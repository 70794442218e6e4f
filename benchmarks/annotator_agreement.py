"""How far a second annotator agrees with a real split's labels: the ceiling for a model's figures.

A second annotator labelled every segment of the real-derived test and validation splits blind
(from ``labels.md`` and ``docs/annotation_guidelines.md`` only, reading each article in order,
never the split's labels): ``corpus/real/second_annotation_{test,validation}.jsonl``, one row per
segment in the split's order, checked by a hash of the text. This prints the second annotator's precision,
recall and F1 against the split's labels (per label, macro, per language, documents), Cohen's
kappa per label, and, with ``--models``, each model scored against both label sets.

Usage:
    python benchmarks/annotator_agreement.py [--split test|validation] [--models default,multilingual,baseline]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "real"


def second_labels(test, labels, split: str = "test") -> np.ndarray:
    """The second annotator's labels as an indicator matrix aligned with the split (fails on a changed split)."""
    SECOND = CORPUS / f"second_annotation_{split}.jsonl"
    rows = [json.loads(line) for line in SECOND.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(rows) != len(test):
        raise SystemExit(f"{SECOND.name} has {len(rows)} rows, the {split} split {len(test)}: the split changed")
    out = np.zeros((len(rows), len(labels)), dtype=np.int8)
    for i, (row, seg) in enumerate(zip(rows, test)):
        if row["text_sha1"] != hashlib.sha1(seg["text"].encode("utf-8")).hexdigest()[:16]:
            raise SystemExit(f"row {i} of {SECOND.name} does not match the {split} split's text: the split changed")
        for lab in row["labels"]:
            out[i, labels.index(lab)] = 1
    return out


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    po = float(np.mean(a == b))
    pe = float(np.mean(a) * np.mean(b) + np.mean(~a) * np.mean(~b))
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def documents(y: np.ndarray, doc_ids: list) -> np.ndarray:
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(doc_ids):
        if d:
            groups.setdefault(d, []).append(i)
    return np.stack([y[g].max(axis=0) for g in groups.values()])


def line(name: str, m: dict, labels) -> str:
    cells = " ".join(f"{m['per_label'][lab]['precision']:.3f}/{m['per_label'][lab]['recall']:.3f}/"
                     f"{m['per_label'][lab]['f1']:.3f}" for lab in labels)
    return f"{name:<34} {cells}   macro F1 {m['macro']['f1']:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("test", "validation"))
    parser.add_argument("--models", default="", help="comma-separated models to score against both label sets")
    args = parser.parse_args(argv)

    import pressctx
    from pressctx.evaluation import evaluate, label_metrics

    labels = list(pressctx.LABELS)
    test = pressctx.load_corpus("real")[args.split]
    gold = np.zeros((len(test), len(labels)), dtype=np.int8)
    for i, labs in enumerate(test["labels"]):
        for lab in labs:
            gold[i, labels.index(lab)] = 1
    second = second_labels(test, labels, args.split)
    doc_ids, langs = list(test["doc_id"]), np.asarray(test["lang"])

    print(f"real {args.split} split: {len(test)} segments, {len(set(d for d in doc_ids if d))} articles")
    print(f"{'':34} " + " ".join(f"{lab + ' P/R/F1':<21}" for lab in labels))
    seg = label_metrics(gold, second, labels)
    print(line("second annotator vs labels", seg, labels))
    print("Cohen's kappa: " + ", ".join(f"{lab} {kappa(gold[:, j], second[:, j]):.3f}" for j, lab in enumerate(labels)))
    print("positives (labels / second annotator): " + ", ".join(
        f"{lab} {int(gold[:, j].sum())} / {int(second[:, j].sum())}" for j, lab in enumerate(labels)))
    for lang in sorted(set(langs)):
        mask = langs == lang
        m = label_metrics(gold[mask], second[mask], labels)
        print(line(f"  {lang} ({int(mask.sum())} segments)", m, labels))
    doc = label_metrics(documents(gold, doc_ids), documents(second, doc_ids), labels)
    print(line("documents", doc, labels))

    for name in [m for m in args.models.split(",") if m]:
        report = evaluate(pressctx.load(name), test, name=name)
        pred = report.y_pred
        print()
        print(line(f"{name} vs labels", label_metrics(gold, pred, labels), labels))
        print(line(f"{name} vs second annotator", label_metrics(second, pred, labels), labels))
        print(line(f"{name} documents vs labels", label_metrics(documents(gold, doc_ids), documents(pred, doc_ids), labels),
                   labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
