"""Build the shipped corpus from the team's raw files.

Reads ``corpus/raw/*.jsonl`` (segment files, and document files whose name contains
``docs``), removes exact duplicates, groups near-duplicates (see
``pressctx.data.dedup``) and documents into units that never straddle splits, and
assigns units to train/validation/test (70/15/15), stratified by language and
label combination. Writes ``src/pressctx/data/corpus/segments-{split}.jsonl`` and
``documents-{split}.jsonl``. Deterministic for a given seed.

Frozen splits: ``corpus/splits.json`` records the split of every shipped article and
stand-alone segment (by the SHA-1 of its normalised text). A unit found there keeps its split,
so adding or removing raw rows never moves the rest between splits; only new units are
assigned by the stratified draw. ``--refreeze`` adds the new units' splits to the file; delete
the file to draw every split afresh.

Pinned rows: a raw row (or article) with a ``split`` field goes to that split; the training
supplement is pinned to ``train`` so that the frozen validation and test splits stay as they are.
A near-duplicate of a row in another split is an error.

Relabels: ``corpus/relabels.jsonl`` lists label corrections from annotation audits (the
segment's text, its article if any, the labels before and after, and why). They are applied
after the split assignment, so a correction never moves a segment between splits.

Usage: python scripts/build_corpus.py [--seed 13] [--refreeze] [--out DIR]
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pressctx.data.dedup import NEAR_DUP_THRESHOLD, near_duplicate_pairs, normalise  # noqa: E402
from pressctx.labels import LABELS  # noqa: E402

RAW = ROOT / "corpus" / "raw"
FROZEN = ROOT / "corpus" / "splits.json"
RELABELS = ROOT / "corpus" / "relabels.jsonl"
OUT = ROOT / "src" / "pressctx" / "data" / "corpus"
RATIOS = {"train": 0.70, "validation": 0.15, "test": 0.15}
FIELDS = ("text", "labels", "lang", "country", "kind", "neg", "instruments", "doc_id", "position", "written", "note")


def _clean(seg: dict, **extra) -> dict:
    row = {
        "text": seg["text"].strip(),
        "labels": [lab for lab in LABELS if lab in seg.get("labels", [])],
        "lang": seg.get("lang"),
        "country": seg.get("country", "XX"),
        "kind": seg.get("kind", "body"),
        "neg": None if seg.get("labels") else seg.get("neg", "ordinary"),
        "instruments": sorted(set(seg.get("instruments") or [])),
        "doc_id": None,
        "position": -1,
        "written": seg.get("written", "individual"),
        "note": seg.get("note"),
        "pin": seg.get("split"),
    }
    row.update(extra)
    return row


def load_raw() -> tuple[list[dict], list[dict]]:
    segments, documents = [], []
    for path in sorted(RAW.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if "segments" in row:
                    documents.append(row)
                else:
                    segments.append(_clean(row))
    return segments, documents


def doc_labels(segments: list[dict]) -> list[str]:
    """An article's labels: those of any of its segments, in label order."""
    return [lab for lab in LABELS if any(lab in s["labels"] for s in segments)]


def build_document(doc: dict) -> tuple[dict, list[dict]]:
    """Join a document's segments into its text (paragraphs on lines) with offsets."""
    text, segs, rows = "", [], []
    last_p = None
    for i, seg in enumerate(doc["segments"]):
        p = seg.get("p", i)
        if text:
            text += "\n" if p != last_p else " "
        start = len(text)
        body = seg["text"].strip()
        text += body
        last_p = p
        labels = [lab for lab in LABELS if lab in seg.get("labels", [])]
        segs.append({"text": body, "labels": labels, "start": start, "end": len(text)})
        rows.append(
            _clean({**seg, "lang": seg.get("lang", doc["lang"]), "country": seg.get("country", doc.get("country", "XX")),
                    "split": doc.get("split")},
                   doc_id=doc["doc_id"], position=i)
        )
    out = {
        "doc_id": doc["doc_id"],
        "lang": doc["lang"],
        "country": doc.get("country", "XX"),
        "title": doc.get("title", ""),
        "text": text,
        "labels": doc_labels(segs),
        "segments": segs,
    }
    return out, rows


def text_key(text: str) -> str:
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:16]


def unit_key(row: dict) -> str:
    """The frozen-split key of the unit a row belongs to: its article, or its own text."""
    return f"doc:{row['doc_id']}" if row["doc_id"] else f"seg:{text_key(row['text'])}"


def load_relabels() -> dict[tuple, dict]:
    """Audit corrections keyed by (doc_id or None, normalised text)."""
    out: dict[tuple, dict] = {}
    if not RELABELS.exists():
        return out
    with RELABELS.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            fix = json.loads(line)
            key = (fix.get("doc_id"), normalise(fix["text"]))
            if key in out:
                raise SystemExit(f"{RELABELS.name} line {n}: a second correction for the same segment")
            out[key] = fix
    return out


def apply_relabels(rows: list[dict], docs: list[dict]) -> int:
    """Apply the audit's corrections to the rows and to the articles' segment lists."""
    fixes = load_relabels()
    used = set()
    by_doc = {d["doc_id"]: d for d in docs}
    for r in rows:
        key = (r["doc_id"], normalise(r["text"]))
        fix = fixes.get(key)
        if fix is None:
            continue
        if sorted(fix["before"]) != sorted(r["labels"]):
            raise SystemExit(f"relabel of {r['text'][:60]!r}: it expects {fix['before']}, the raw row has {r['labels']}")
        used.add(key)
        r["labels"] = [lab for lab in LABELS if lab in fix["after"]]
        r["instruments"] = sorted(set(fix.get("instruments") or [])) if "censorship_law" in r["labels"] else []
        if r["labels"]:
            r["neg"] = None
        elif r["neg"] is None:
            r["neg"] = fix.get("neg", "ordinary")
        r["note"] = fix.get("reason", r.get("note"))
        if r["doc_id"]:
            doc = by_doc[r["doc_id"]]
            doc["segments"][r["position"]]["labels"] = list(r["labels"])
            doc["labels"] = doc_labels(doc["segments"])
    unused = set(fixes) - used
    if unused:
        raise SystemExit(f"{len(unused)} relabels match no row, e.g. {next(iter(unused))}")
    return len(used)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--refreeze", action="store_true", help="write this build's splits (old and new units) to corpus/splits.json")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: the package's corpus)")
    args = parser.parse_args()
    segments, raw_docs = load_raw()
    docs, doc_rows = [], []
    for d in raw_docs:
        built, rows = build_document(d)
        docs.append(built)
        doc_rows.extend(rows)

    # Exact duplicates (after normalisation): a stand-alone segment that repeats an
    # earlier one, or any document segment, is dropped.
    seen = {normalise(r["text"]) for r in doc_rows}
    kept, dropped = [], 0
    for r in segments:
        key = normalise(r["text"])
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(r)
    segments = kept

    # Units: each document is one unit; each stand-alone segment is one unit.
    rows = doc_rows + segments
    unit_of = []
    doc_index = {d["doc_id"]: i for i, d in enumerate(docs)}
    for r in rows:
        unit_of.append(doc_index[r["doc_id"]] if r["doc_id"] else None)
    n_docs = len(docs)
    next_unit = n_docs
    for i, r in enumerate(rows):
        if unit_of[i] is None:
            unit_of[i] = next_unit
            next_unit += 1
    parent = list(range(next_unit))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = near_duplicate_pairs([r["text"] for r in rows], threshold=NEAR_DUP_THRESHOLD)
    for i, j, _ in pairs:
        a, b = find(unit_of[i]), find(unit_of[j])
        if a != b:
            parent[a] = b
    clusters: dict[int, list[int]] = collections.defaultdict(list)
    for i in range(len(rows)):
        clusters[find(unit_of[i])].append(i)

    # Stratify clusters by (language, has documents, label signature of their rows).
    def stratum(members: list[int]) -> tuple:
        first = rows[members[0]]
        has_doc = any(rows[m]["doc_id"] for m in members)
        if has_doc:
            labs = sorted({lab for m in members for lab in rows[m]["labels"]})
        else:
            labs = sorted(set(first["labels"]))
        return (first["lang"], has_doc, tuple(labs))

    frozen = json.loads(FROZEN.read_text(encoding="utf-8")) if FROZEN.exists() else {}
    rng = random.Random(args.seed)
    by_stratum: dict[tuple, list[list[int]]] = collections.defaultdict(list)
    split_of: dict[int, str] = {}
    totals = collections.Counter()
    for members in clusters.values():
        keys = {unit_key(rows[m]) for m in members}
        known = {frozen[k] for k in keys if k in frozen}
        known |= {rows[m]["pin"] for m in members if rows[m]["pin"]}
        if len(known) > 1:
            raise SystemExit(f"near-duplicates frozen or pinned in different splits: {[rows[m]['text'][:50] for m in members]}")
        if known:
            split = known.pop()
            totals[split] += len(members)
            for m in members:
                split_of[m] = split
        else:
            by_stratum[stratum(members)].append(members)
    for key in sorted(by_stratum, key=str):
        group = by_stratum[key]
        rng.shuffle(group)
        group.sort(key=len, reverse=True)
        counts = collections.Counter()
        for members in group:
            # The split furthest below its target share in this stratum takes the cluster.
            split = min(RATIOS, key=lambda s: counts[s] / RATIOS[s])
            counts[split] += len(members)
            totals[split] += len(members)
            for m in members:
                split_of[m] = split

    relabelled = apply_relabels(rows, docs)
    if args.refreeze:
        keys = {unit_key(r): split_of[i] for i, r in enumerate(rows)}
        FROZEN.write_text(json.dumps(dict(sorted(keys.items())), indent=0) + "\n", encoding="utf-8")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    doc_split = {}
    for split in RATIOS:
        with (out / f"segments-{split}.jsonl").open("w", encoding="utf-8") as fh:
            for i, r in enumerate(rows):
                if split_of[i] == split:
                    fh.write(json.dumps({k: r.get(k) for k in FIELDS}, ensure_ascii=False) + "\n")
                    if r["doc_id"]:
                        doc_split[r["doc_id"]] = split
    for split in RATIOS:
        with (out / f"documents-{split}.jsonl").open("w", encoding="utf-8") as fh:
            for d in docs:
                if doc_split.get(d["doc_id"]) == split:
                    fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(
        f"rows {len(rows)} (exact duplicates dropped {dropped}); near-duplicate pairs {len(pairs)} "
        f"(threshold {NEAR_DUP_THRESHOLD}); clusters {len(clusters)}; per split {dict(totals)}; "
        f"frozen units {len(frozen)}; relabelled {relabelled}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
