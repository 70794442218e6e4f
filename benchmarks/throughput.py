"""Throughput on real articles: full transformer, the cascade (the default path), each in torch and in ONNX Runtime, the baseline, and Ray.

The documents are the real-derived corpus's whole articles (every split, each the
stored text of one real page), repeated to ``--docs`` documents; with ``--articles ordinary``
only those of its articles in which no segment carries a label (66 articles of hard news from
countries with a hostile press climate: what most of an archive is, and where the screen saves most). Each configuration
runs in its own process (so its peak RSS is its own) and reports:

- articles/s and segments/s of ``tag_many`` over all documents (median of ``--repeats``);
- the input length read (``max_length``, tokens of segment plus context): the **full**
  configurations, the reference, read the model's training length; the others read the
  length the model ships with (chosen on real validation, see ``scripts/train_shipped.py``);
- for transformer configurations: the share of segments the screen passed on, and the
  transformer stage's time (tokenisation + forward + result scores of the passed
  segments with their neighbours) against a bare forward (encoder and head, in the
  configuration's runtime, in passes of ``CPU_FORWARD_BATCH`` as tagging runs them) over the
  same pre-tokenised inputs (the overhead ratio);
- peak RSS of the process while tagging (before the evaluation), and at the end;
- real test split macro F1, segment and document level (documents scored with context).

Then Ray Data with 1 and 2 workers over the same documents (one model per worker), and a
check that Ray's output equals ``tag_many``'s.

Usage:
    python benchmarks/throughput.py [--docs 1000] [--repeats 3] [--model default] [--skip-ray] [--articles ordinary]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

CONFIGS = {
    "transformer fp32 full": {"cascade": False, "precision": "fp32", "runtime": "torch"},
    "transformer fp32 cascade": {"cascade": True, "precision": "fp32", "runtime": "torch"},
    "onnx fp32 full": {"cascade": False, "precision": "fp32", "runtime": "onnx"},
    "onnx fp32 cascade": {"cascade": True, "precision": "fp32", "runtime": "onnx"},
    "onnx int8 full": {"cascade": False, "precision": "int8", "runtime": "onnx"},
    "onnx int8 cascade": {"cascade": True, "precision": "int8", "runtime": "onnx"},
    "default (as shipped)": {},
    "baseline": None,
}
#: The configuration each shipped setting (cascade, precision, runtime) is the same as.
SAME_AS = {(True, "fp32", "torch"): "transformer fp32 cascade", (True, "fp32", "onnx"): "onnx fp32 cascade",
           (False, "fp32", "torch"): "transformer fp32 full", (False, "fp32", "onnx"): "onnx fp32 full",
           (True, "int8", "onnx"): "onnx int8 cascade", (False, "int8", "onnx"): "onnx int8 full"}


ARTICLES = ("real", "ordinary")


def real_articles(n: int, kind: str = "real") -> list[str]:
    """The real corpus's whole articles (every split), repeated to ``n`` (read as JSON, no datasets).

    ``kind="ordinary"`` keeps only the articles in which no segment carries a label: politics,
    security, courts, protests and economy from countries with a hostile press climate, with no
    press-freedom note, law or caveat (what most of a news archive is).
    """
    from importlib import resources

    texts = []
    for split in ("train", "validation", "test"):
        raw = resources.files("pressctx.data").joinpath("real", f"documents-{split}.jsonl").read_text(encoding="utf-8")
        docs = [json.loads(line) for line in raw.splitlines() if line.strip()]
        if kind == "ordinary":
            docs = [d for d in docs if not any(s["labels"] for s in d["segments"])]
        texts += [d["text"] for d in docs]
    return (texts * (n // len(texts) + 1))[:n]


def _bare_forward(tagger, segments: list[str], contexts: list[str] | None) -> float:
    """Seconds of the encoder forward alone over the pre-tokenised inputs of ``_encode`` (in the tagger's runtime)."""
    import numpy as np
    import torch

    from pressctx.models.transformer import CPU_FORWARD_BATCH

    order = np.argsort([len(s) for s in segments], kind="stable")
    batches = []
    step = min(tagger.batch_size, CPU_FORWARD_BATCH)  # as _encode runs on the CPU
    for i in range(0, len(order), step):
        idx = order[i : i + step]
        enc = dict(tagger.tokenizer([segments[j] for j in idx], [contexts[j] for j in idx] if contexts else None,
                                    padding=True, truncation="longest_first", max_length=tagger.max_length,
                                    return_tensors="pt"))
        if tagger.ngrams is not None:
            ids, weights = tagger.ngrams.pad(*tagger.ngrams.rows([segments[j] for j in idx]))
            enc["ngram_ids"], enc["ngram_weights"] = torch.from_numpy(ids), torch.from_numpy(weights)
        batches.append(enc)
    t = time.perf_counter()
    with torch.inference_mode():
        for enc in batches:
            tagger._forward(enc)
    return time.perf_counter() - t


def _high_water_mb() -> float:
    """This process's peak resident memory (VmHWM; getrusage's maxrss can include a parent's over fork)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(config_name: str, model: str, n_docs: int, repeats: int, batch_size: int, articles: str = "real") -> dict:
    import numpy as np
    import torch

    import pressctx
    from pressctx.evaluation import evaluate
    from pressctx.models.transformer import context_string
    from pressctx.segmentation import segment_text

    options = CONFIGS[config_name]
    tagger = pressctx.load("baseline") if options is None else pressctx.load(model, **options)
    if options is not None and "full" in config_name:
        # The reference reads every segment as the model was trained: all of its training length.
        tagger.max_length = tagger.training_max_length
    docs = real_articles(n_docs, articles)
    n_segments = sum(len(segment_text(d)) for d in docs)
    list(tagger.tag_many(docs[:20], batch_size=batch_size))  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        n = sum(1 for _ in tagger.tag_many(docs, batch_size=batch_size))
        times.append(time.perf_counter() - t)
        assert n == len(docs)
    best = statistics.median(times)
    # Peak RSS of tagging alone (model, documents, results): this process's high-water mark now,
    # before the stage measurements below hold every tokenised batch at once and the evaluation
    # loads datasets.
    peak_tagging = _high_water_mb()
    out = {"config": config_name, "articles_per_s": len(docs) / best, "segments_per_s": n_segments / best,
           "seconds": best, "documents": len(docs), "segments": n_segments, "threads": torch.get_num_threads()}
    if options is not None:
        out["precision"] = tagger.precision
        out["max_length"] = tagger.max_length
        out["runtime"] = tagger.runtime
        out["cascade"] = tagger.cascade
        # The transformer stage on one pass over the distinct articles.
        unique = list(dict.fromkeys(docs))
        doc_segs = [[s.text for s in segment_text(d)] for d in unique]
        flat = [s for d in doc_segs for s in d]
        ctx = [context_string(d, i, tagger.tokenizer.sep_token) for d in doc_segs for i in range(len(d))] if tagger.context else None
        passed = np.arange(len(flat))
        if tagger.cascade:
            passed = np.flatnonzero(tagger.screen_scores(flat) >= tagger.screen_cutoff)
            out["screen_cutoff"] = tagger.screen_cutoff
        out["passed_share"] = len(passed) / len(flat)
        segs = [flat[i] for i in passed]
        cts = [ctx[i] for i in passed] if ctx else None
        tagger.batch_size = batch_size
        t = time.perf_counter()
        tagger._encode(segs, cts)
        stage = time.perf_counter() - t
        bare = _bare_forward(tagger, segs, cts)
        out.update({"stage_seconds": stage, "bare_forward_seconds": bare, "overhead_ratio": stage / bare})
    out["peak_rss_tagging_mb"] = peak_tagging
    real = pressctx.load_corpus("real")["test"]
    report = evaluate(tagger, real, name=config_name).to_dict()
    out["test_segment_macro_f1"] = report["segment"]["macro"]["f1"]
    out["test_document_macro_f1"] = report["document"]["macro"]["f1"] if report.get("document") else None
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_ray(model: str, n_docs: int, workers: int, articles: str = "real") -> dict:
    import ray

    import pressctx

    docs = real_articles(n_docs, articles)
    ray.init(num_cpus=max(2, workers), include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray.data.DataContext.get_current().enable_progress_bars = False
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(docs)])
    t = time.perf_counter()
    rows = pressctx.tag_ray(ds, text_column="text", model=model, concurrency=workers).take_all()
    seconds = time.perf_counter() - t
    rows.sort(key=lambda r: r["id"])
    local = list(pressctx.load(model).tag_many(docs[:200]))
    same = all(list(r["pressctx_labels"]) == list(res.labels)
               and all(abs(r[f"pressctx_score_{lab}"] - res.scores[lab]) < 1e-5 for lab in res.scores)
               for r, res in zip(rows[:200], local))
    ray.shutdown()
    return {"config": f"ray, {workers} worker(s)", "articles_per_s": len(docs) / seconds, "seconds": seconds,
            "same_as_tag_many_first_200": same}


def _shipped_settings(model: str) -> tuple[bool, str, str] | None:
    """(cascade, precision, runtime) saved with a shipped model, read from its config (no model load here)."""
    import pressctx

    name = pressctx.SHIPPED_MODELS.get(model)
    if name is None:
        return None
    config = json.loads((pressctx.shipped_model_dir(name) / "config.json").read_text(encoding="utf-8"))
    return bool(config.get("screen")), config.get("precision", "fp32"), config.get("runtime", "torch")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", default="default", help="the transformer model to measure")
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--configs", help="comma-separated subset of the configurations (default: all)")
    parser.add_argument("--articles", choices=ARTICLES, default="real",
                        help="real: every real article; ordinary: only the real articles with no label in any segment")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--ray-workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.model, args.docs, args.repeats, args.batch_size, args.articles)))
        return 0
    if args.ray_workers:
        print(json.dumps(run_ray(args.model, args.docs, args.ray_workers, args.articles)))
        return 0
    distinct = len(set(real_articles(10**6, args.articles)))
    print(f"cores: {os.cpu_count()}  model: {args.model}  documents: {args.docs} {args.articles} articles "
          f"({distinct} distinct, repeated)", flush=True)
    results = []
    configs = [c for c in CONFIGS if not args.configs or c in args.configs.split(",")]
    shipped = _shipped_settings(args.model)
    if shipped in SAME_AS and "default (as shipped)" in configs:
        configs.remove("default (as shipped)")
        print(f"the shipped model runs as {shipped}: its row is {SAME_AS[shipped]!r}", flush=True)
    runs = [["--one", name] for name in configs] + ([] if args.skip_ray else [["--ray-workers", "1"], ["--ray-workers", "2"]])
    for extra in runs:
        cmd = [sys.executable, __file__, "--docs", str(args.docs), "--repeats", str(args.repeats),
               "--batch-size", str(args.batch_size), "--model", args.model, "--articles", args.articles, *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
        if proc.returncode or not line:
            print(f"{' '.join(extra)} failed:\n{proc.stderr[-2000:]}", flush=True)
            continue
        res = json.loads(line[-1])
        results.append(res)
        print(json.dumps(res), flush=True)
    full = next((r for r in results if r["config"] == "transformer fp32 full"), None)
    print()
    print(f"{'configuration':<28}{'len':>5}{'art/s':>8}{'seg/s':>9}{'x full':>8}{'passed':>8}{'overhead':>9}{'RSS MB':>8}{'seg F1':>8}{'doc F1':>8}")
    print("(len: tokens read per segment with its context; RSS MB: peak while tagging; seg/doc F1: real test split)")
    for r in results:
        speedup = r["articles_per_s"] / full["articles_per_s"] if full else float("nan")
        cells = [f"{r['articles_per_s']:8.2f}", f"{r.get('segments_per_s', float('nan')):9.1f}", f"{speedup:8.2f}",
                 f"{r['passed_share']:8.1%}" if "passed_share" in r else f"{'':>8}",
                 f"{r['overhead_ratio']:9.2f}" if "overhead_ratio" in r else f"{'':>9}",
                 f"{r.get('peak_rss_tagging_mb', r.get('peak_rss_mb', 0)):8.0f}" if "peak_rss_mb" in r else f"{'':>8}",
                 f"{r['test_segment_macro_f1']:8.3f}" if "test_segment_macro_f1" in r else f"{'':>8}",
                 f"{r['test_document_macro_f1']:8.3f}" if r.get("test_document_macro_f1") is not None else f"{'':>8}"]
        print(f"{r['config']:<28}" + (f"{r['max_length']:5d}" if "max_length" in r else f"{'':>5}") + "".join(cells))
    for r in results:
        if "same_as_tag_many_first_200" in r:
            print(f"{r['config']}: output equal to tag_many's on the first 200 documents: {r['same_as_tag_many_first_200']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
