"""Quality of the shipped models: corpus test split and the held-out challenge articles.

Prints segment-level, document-level and per-language figures of the transformer and
the baseline side by side, on (1) the corpus's test split and (2) the challenge set
(tests/resources/challenge_docs.jsonl: articles by a writer who never saw the corpus).

Usage: python benchmarks/quality.py [--models default,baseline]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHALLENGE = Path(__file__).resolve().parents[1] / "tests" / "resources" / "challenge_docs.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="default,baseline")
    args = parser.parse_args()

    import pressctx
    from pressctx.evaluation import evaluate, format_differences, format_side_by_side

    taggers = {name: pressctx.load(name) for name in args.models.split(",")}
    test = pressctx.load_corpus()["test"]
    for title, data in (("corpus v1, test split", test), ("held-out challenge articles", str(CHALLENGE))):
        reports = [evaluate(t, data, name=n) for n, t in taggers.items()]
        print(f"== {title} ==")
        print(format_side_by_side(reports))
        print(format_differences(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
