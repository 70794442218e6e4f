"""The evidence for the default model: MiniLM against multilingual-e5-small on real validation.

For each shipped model (``minilm``, ``multilingual``, ``baseline``), on the real-derived
**validation** split (where choices are made; the test split is not read here):

- segment macro F1, per label and per language (en, es, ru, pt, fr), document macro F1;
- the paired-bootstrap interval of the multilingual model's segment macro-F1 difference
  from MiniLM's (documents resampled whole);
- segments per second of the evaluation pass as shipped (cascade on) and with every segment
  through the transformer, measured in this run, one model after the other;
- in a fresh process per model that imports nothing else: resident memory after
  ``pressctx.load`` and the peak while tagging the real corpus's first ``--docs`` articles
  (read as plain text from a temporary file);
- the seed article (``../shared/seed``, when present): how many body sentences get a label
  and whether both sentences of its closing note get ``disclaimer`` (the corpus issue pins
  this for the default model).

Usage: python benchmarks/compare_bases.py [--models minilm,multilingual,baseline] [--docs 100]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"
LANGS = ("en", "es", "ru", "pt", "fr")


def memory(name: str, articles_file: Path) -> dict:
    """RSS after loading ``name`` and the peak while tagging the articles in ``articles_file``
    (a JSON list of strings), in a fresh process that imports nothing else."""
    code = f"""
import json
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
def rss():
    return status("VmRSS")
def peak():  # this process's own high-water mark (getrusage's maxrss can carry the parent's over fork)
    return status("VmHWM")
articles = json.load(open({str(articles_file)!r}, encoding="utf-8"))
import pressctx
before = rss()
tagger = pressctx.load({name!r})
loaded = rss()
peak_loaded = peak()
for text in articles:
    tagger.tag(text)
print(json.dumps({{"rss_before_load_mb": before, "rss_loaded_mb": loaded, "peak_while_loading_mb": peak_loaded,
                  "rss_after_tagging_mb": rss(), "peak_mb": peak(),
                  "articles": len(articles)}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_articles(n: int, path: Path) -> None:
    """The first ``n`` whole articles of the real corpus (all splits), as plain text, to ``path``."""
    import pressctx

    real = pressctx.load_corpus("real")
    texts: dict[str, list[str]] = {}
    for split in ("train", "validation", "test"):
        for row in real[split]:
            if row["doc_id"]:
                texts.setdefault(row["doc_id"], []).append(row["text"])
    path.write_text(json.dumps([" ".join(v) for v in list(texts.values())[:n]], ensure_ascii=False), encoding="utf-8")


def seed_check(tagger) -> dict | None:
    seeds = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not seeds:
        return None
    body_labelled, note_ok = 0, True
    for path in seeds:
        segs = tagger.tag(path.read_text(encoding="utf-8")).segments
        note = [i for i, s in enumerate(segs) if s.text.startswith("*") and len(s.text) > 120]
        if not note:
            return {"error": f"{path.name}: no closing note found"}
        first = note[-1]
        body_labelled += sum(1 for s in segs[:first] if s.labels)
        note_ok &= "disclaimer" in segs[first].labels and "disclaimer" in segs[first + 1].labels
    return {"body_segments_labelled": body_labelled, "closing_note_disclaimer": bool(note_ok)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="minilm,multilingual,baseline")
    parser.add_argument("--docs", type=int, default=100, help="articles tagged for the memory figures")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-only", action="store_true", help="skip the quality and speed part")
    args = parser.parse_args()

    import pressctx
    from pressctx.evaluation import evaluate, macro_f1_difference

    val = pressctx.load_corpus("real")["validation"]
    rows, reports = {}, {}
    for name in [] if args.memory_only else args.models.split(","):
        tagger = pressctx.load(name)
        t0 = time.perf_counter()
        report = evaluate(tagger, val, name=name)
        shipped_s = time.perf_counter() - t0
        full_s = None
        if getattr(tagger, "cascade", False):
            tagger.cascade = False
            t0 = time.perf_counter()
            evaluate(tagger, val, name=name)
            full_s = time.perf_counter() - t0
            tagger.cascade = True
        d = report.to_dict()
        n = d["segment"]["n"]
        rows[name] = {
            "segment_macro_f1": round(d["segment"]["macro"]["f1"], 4),
            "per_label": {k: round(v["f1"], 4) for k, v in d["segment"]["per_label"].items()},
            "per_language": {k: round(d["by_lang"][k]["macro"]["f1"], 4) for k in LANGS if k in d["by_lang"]},
            "document_macro_f1": round(d["document"]["macro"]["f1"], 4) if d.get("document") else None,
            "segments_per_s_as_shipped": round(n / shipped_s, 1),
            "segments_per_s_every_segment": round(n / full_s, 1) if full_s else None,
            "seed_article": seed_check(tagger),
        }
        reports[name] = report
        del tagger
        print(json.dumps({name: rows[name]}), flush=True)
    if "minilm" in reports and "multilingual" in reports:
        diff = macro_f1_difference(reports["multilingual"], reports["minilm"])
        print(json.dumps({"multilingual_minus_minilm": {k: round(v, 4) if isinstance(v, float) else v
                                                         for k, v in diff.items()}}), flush=True)
    if not args.no_memory:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            articles = Path(tmp) / "articles.json"
            write_articles(args.docs, articles)
            for name in args.models.split(","):
                print(json.dumps({name: {"memory": memory(name, articles)}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
