"""Retrain the shipped models from the shipped corpus and write their model cards.

Usage:
    python scripts/train_shipped.py [--output models] [--config configs/shipped.toml]

Trains the transformer (config file: configs/shipped.toml) and the scikit-learn
baseline on the corpus's train split, tunes thresholds on validation, evaluates
both on test, and writes ``OUTPUT/transformer`` (weights stored as a delta from
the base encoder) and ``OUTPUT/baseline``, each with a generated README.md.
Prints the wall time of each step.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LIMITS = """## Limits

- Trained on the team-written pressctx corpus (English, Spanish, some Portuguese, French, Russian);
  real articles differ in style, so expect lower figures on outside text. The English base encoder
  (all-MiniLM-L6-v2) sees Spanish and other languages through an English vocabulary; a multilingual
  base (`pressctx train --base ...`) should do better on them.
- Within a document each segment is read with its neighbouring segments; segments passed to
  `predict_proba` on their own get no context and score somewhat lower on article-internal cases.
- `censorship_law` recognises laws that the corpus covers well; rarer instruments may be missed.
  The law registry (`pressctx.find_laws`) links mentions to laws independently of the classifier.
"""


def _architecture(tagger) -> str:
    """A model card paragraph describing the transformer's parts."""
    parts = [
        f"{tagger.base} fine-tuned; the mean of the segment's token vectors goes into a linear layer",
    ]
    if tagger.context:
        parts.append("each segment is read together with its neighbouring segments")
    if tagger.ngrams is not None:
        cfg = tagger.ngrams.config()
        parts.append(
            f"a second linear layer over hashed character {cfg['char_range'][0]}-{cfg['char_range'][1]}-grams and word "
            f"{cfg['word_range'][0]}-{cfg['word_range'][1]}-grams of the segment ({tagger.ngrams.size:,} buckets) adds to "
            "the logits; both were trained together"
        )
    return "## Architecture\n\n" + "; ".join(parts) + ".\n\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "models"))
    parser.add_argument("--config", default=str(ROOT / "configs" / "shipped.toml"))
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    import pressctx
    from pressctx.training.baseline import train_baseline
    from pressctx.evaluation import evaluate
    from pressctx.training.modelcard import write_model_card

    out = Path(args.output)
    corpus = pressctx.load_corpus()
    test = corpus["test"]
    t0 = time.perf_counter()
    baseline = None
    if not args.skip_baseline:
        baseline = train_baseline(corpus["train"], corpus["validation"])
        baseline.metadata["training_data"]["source"] = "pressctx corpus v1 (train / validation)"
        print(f"baseline trained in {time.perf_counter() - t0:.1f} s", flush=True)
    t1 = time.perf_counter()
    targs = pressctx.TrainingArguments.from_file(args.config)
    tagger = pressctx.Trainer(targs, corpus["train"], corpus["validation"]).train()
    tagger.metadata["training_data"]["source"] = "pressctx corpus v1 (train / validation)"
    train_time = time.perf_counter() - t1
    print(f"transformer trained in {train_time:.1f} s", flush=True)

    t_report = evaluate(tagger, test, name="transformer")
    reports = [t_report]
    challenge = ROOT / "tests" / "resources" / "challenge_docs.jsonl"
    challenge_reports = [evaluate(tagger, str(challenge), name="transformer")]
    if baseline is not None:
        challenge_reports.append(evaluate(baseline, str(challenge), name="baseline"))
    from pressctx.evaluation import format_side_by_side

    extra = (
        "## Held-out challenge articles\n\n30 articles (English and Spanish) by a writer who never saw the corpus, "
        "with unusual phrasings of the notes (tests/resources/challenge_docs.jsonl; see the dataset card for how it "
        "informed the last corpus round):\n\n```\n" + format_side_by_side(challenge_reports) + "```\n\n" + LIMITS
    )
    if baseline is not None:
        b_report = evaluate(baseline, test, name="baseline")
        reports.append(b_report)
        tagger.metadata["test"] = {"transformer": t_report.to_dict(), "baseline": b_report.to_dict()}
        bdir = baseline.save_pretrained(out / "baseline")
        write_model_card(bdir, baseline, [b_report, t_report], "pressctx baseline (TF-IDF + logistic regression)", extra)
    else:
        tagger.metadata["test"] = {"transformer": t_report.to_dict()}
    tdir = tagger.save_pretrained(out / "transformer", weights=targs.weights)
    write_model_card(
        tdir, tagger, reports, f"pressctx transformer ({targs.base_model}, fine-tuned)", _architecture(tagger) + extra
    )

    print(format_side_by_side(reports))
    print(format_side_by_side(challenge_reports))
    print(json.dumps({"transformer_train_seconds": round(train_time, 1), "total_seconds": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
