"""Where the transformer's margin over the baseline comes from: training data and encoder depth.

Trains, with the shipped configuration otherwise unchanged,

1. the baseline and the transformer on a quarter, a half and all of the corpus's train split
   (whole documents and stand-alone segments drawn with a fixed seed; the smaller draws are
   nested in the larger ones), and
2. the transformer on all of it with only the first 2 and 4 of the base's 6 layers
   (``encoder_layers``),

tunes thresholds on the validation split each time, and prints the macro F1 of every model on
validation and test, the margin over the baseline trained on the same rows (on test with its
95% paired-bootstrap interval), the training time and the transformer's scoring speed. No
choice is made from these figures: they measure how the margin moves, nothing ships from them.

Usage: python benchmarks/learning_curve.py [--config configs/shipped.toml]
(seven trainings: about 25 minutes on 2 CPU cores).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def nested_subset(train, fraction: float, seed: int = 0):
    """Rows of ``fraction`` of the split's units (documents, stand-alone segments), in order."""
    import numpy as np

    units = [doc or f"row{i}" for i, doc in enumerate(train["doc_id"])]
    order = list(dict.fromkeys(units))
    np.random.default_rng(seed).shuffle(order)
    keep = set(order[: round(fraction * len(order))])
    return train.select([i for i, unit in enumerate(units) if unit in keep])


def speed(tagger, texts, repeats: int = 3) -> float:
    """Median segments per second of ``predict_proba`` over ``texts``."""
    import statistics

    tagger.predict_proba(texts[:64])  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        tagger.predict_proba(texts)
        times.append(time.perf_counter() - started)
    return len(texts) / statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "shipped.toml"))
    args = parser.parse_args()

    import pressctx
    from pressctx.training.baseline import train_baseline
    from pressctx.evaluation import evaluate, macro_f1_difference

    corpus = pressctx.load_corpus()
    val, test = corpus["validation"], corpus["test"]
    speed_texts = list(val["text"])[:1000]
    runs = [(fraction, None) for fraction in (0.25, 0.5, 1.0)] + [(1.0, 2), (1.0, 4)]
    baselines = {}
    rows = []
    for fraction, layers in runs:
        train = nested_subset(corpus["train"], fraction)
        if fraction not in baselines:
            b = train_baseline(train, val)
            baselines[fraction] = (evaluate(b, val, name="baseline"), evaluate(b, test, name="baseline"))
        targs = pressctx.TrainingArguments.from_file(args.config, overrides={"encoder_layers": layers, "progress": False})
        started = time.perf_counter()
        tagger = pressctx.Trainer(targs, train, val).train()
        seconds = time.perf_counter() - started
        t_val, t_test = evaluate(tagger, val, name="transformer"), evaluate(tagger, test, name="transformer")
        b_val, b_test = baselines[fraction]
        diff = macro_f1_difference(t_test, b_test)
        rows.append((fraction, len(train), layers or 6, t_val, b_val, t_test, b_test, diff, seconds, speed(tagger, speed_texts)))
        print(f"trained on {fraction:.0%} with {layers or 6} layers in {seconds:.0f} s", file=sys.stderr)

    def macro(report) -> float:
        return report.segment["macro"]["f1"]

    print("Macro F1, transformer / baseline trained on the same rows (thresholds tuned on validation)")
    print(f"{'train share (rows)':<20}{'layers':>7}{'validation':>16}{'margin':>8}{'test':>16}{'margin (95% interval)':>28}"
          f"{'train s':>9}{'segments/s':>12}")
    for fraction, n, layers, t_val, b_val, t_test, b_test, diff, seconds, sps in rows:
        interval = f"{diff['difference']:+.3f} ({diff['low']:+.3f} to {diff['high']:+.3f})"
        print(f"{f'{fraction:.0%} ({n})':<20}{layers:>7}{f'{macro(t_val):.3f} / {macro(b_val):.3f}':>16}"
              f"{macro(t_val) - macro(b_val):>+8.3f}{f'{macro(t_test):.3f} / {macro(b_test):.3f}':>16}{interval:>28}"
              f"{seconds:>9.0f}{sps:>12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
