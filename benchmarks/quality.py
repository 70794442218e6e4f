"""Quality of models on the real-derived test split (the headline), corpus v1's test split and the challenge set.

Prints segment-level, document-level and per-language figures side by side, then the
macro-F1 difference of each model against the first with a paired bootstrap interval.
Models are shipped names ("default", "multilingual", "minilm", "baseline") or model
folders (for example a copy of an earlier release's models, to measure before/after).

Usage:
    python benchmarks/quality.py [--models default,baseline] [--splits real:test,corpus:test,challenge]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHALLENGE = Path(__file__).resolve().parents[1] / "tests" / "resources" / "challenge_docs.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="default,baseline")
    parser.add_argument("--splits", default="real:test,corpus:test,challenge")
    parser.add_argument("--no-cascade", action="store_true", help="score every segment with the transformer")
    args = parser.parse_args()

    import pressctx
    from pressctx.data import corpus_data
    from pressctx.evaluation import evaluate, format_differences, format_side_by_side

    taggers = {}
    for name in args.models.split(","):
        tagger = pressctx.load(name)
        if args.no_cascade and hasattr(tagger, "cascade"):
            tagger.cascade = False
        taggers[name] = tagger
    for spec in args.splits.split(","):
        data = str(CHALLENGE) if spec == "challenge" else corpus_data(spec)
        reports = [evaluate(t, data, name=n) for n, t in taggers.items()]
        print(f"== {spec} ==")
        print(format_side_by_side(reports))
        if len(reports) > 1:
            print(format_differences(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
