"""Throughput of corpus-scale tagging, and the pipeline's overhead over the bare model.

Builds article-length documents from the shipped corpus (segments of several splits
joined into paragraphs, seeded), then for each model measures:

- ``tag_many`` over all documents: articles/s and segments/s;
- the bare scoring of the same model inputs in the same batch size (tokenisation +
  forward of each segment with its neighbours for the transformer, vectorise + predict
  for the baseline), the segments already cut;
- the ratio of the two (the overhead of segmentation, batching and result building).

Prints medians over ``--repeats`` runs, the machine's core count and torch's threads.

Usage: python benchmarks/throughput.py [--docs 1000] [--repeats 3] [--models default,baseline] [--precision fp32|bf16]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time


def make_documents(n: int, seed: int = 0) -> list[str]:
    import pressctx

    corpus = pressctx.load_corpus()
    pool = [t for split in corpus.values() for t in split["text"]]
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        k = rng.randint(10, 30)
        sents = rng.sample(pool, k)
        paras, i = [], 0
        while i < k:
            step = rng.randint(1, 4)
            paras.append(" ".join(sents[i : i + step]))
            i += step
        docs.append("\n".join(paras))
    return docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--models", default="baseline,default")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    args = parser.parse_args()

    import torch

    import pressctx
    from pressctx.models.transformer import context_string
    from pressctx.segmentation import segment_text

    docs = make_documents(args.docs)
    doc_segments = [[s.text for s in segment_text(d)] for d in docs]
    segments = [s for doc in doc_segments for s in doc]
    chars = sum(len(d) for d in docs)
    print(f"cores: {os.cpu_count()}  torch threads: {torch.get_num_threads()}  torch {torch.__version__}")
    print(f"documents: {len(docs)}  segments: {len(segments)}  mean chars/document: {chars / len(docs):.0f}", flush=True)
    for name in args.models.split(","):
        tagger = pressctx.load(name)
        if hasattr(tagger, "precision"):
            tagger.precision = args.precision
        tagger.predict_proba(segments[:256])  # warm-up
        pipe, bare = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            n = sum(1 for _ in tagger.tag_many(docs, batch_size=args.batch_size))
            pipe.append(time.perf_counter() - t)
            assert n == len(docs)
            if hasattr(tagger, "batch_size"):
                tagger.batch_size = args.batch_size
            chunk = args.batch_size * 16
            if getattr(tagger, "context", False):
                # The same model inputs tag_many builds: each segment with its neighbours.
                sep = tagger.tokenizer.sep_token
                contexts = [context_string(doc, i, sep) for doc in doc_segments for i in range(len(doc))]
                t = time.perf_counter()
                for i in range(0, len(segments), chunk):
                    tagger._score(segments[i : i + chunk], contexts[i : i + chunk])
            else:
                t = time.perf_counter()
                for i in range(0, len(segments), chunk):
                    tagger.predict_proba(segments[i : i + chunk])
            bare.append(time.perf_counter() - t)
        p, b = statistics.median(pipe), statistics.median(bare)
        label = f"{name} ({args.precision})" if hasattr(tagger, "precision") else name
        print(
            f"{label:<20} tag_many {p:7.2f} s  {len(docs) / p:8.1f} articles/s  {len(segments) / p:9.1f} segments/s | "
            f"bare model {b:7.2f} s  {len(segments) / b:9.1f} segments/s | overhead ratio {p / b:.3f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
