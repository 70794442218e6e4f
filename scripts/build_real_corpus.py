"""Build the real-derived corpus's splits from the writers' files, split by outlet.

Usage:
    python scripts/build_real_corpus.py [--check]

Reads ``corpus/real/raw/*.jsonl`` (articles and loose segments, each row with the
address of the page it paraphrases) and writes
``src/pressctx/data/real/{segments,documents}-{split}.jsonl``.

Splits are by outlet (web domain): every row of an outlet lands in one split. Outlets
whose rows near-duplicate each other (the same wire story on two sites) are tied
together first, so that no near-duplicate pair crosses splits. The assignment is frozen
in ``corpus/real/splits.json``; outlets not in it yet are added to the split furthest
below its share (half train, a quarter each validation and test) for their main
language, in a fixed order, so adding rows never moves an outlet. ``--check`` rebuilds
in memory and fails if the shipped files differ.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pressctx.data.dedup import near_duplicate_pairs, normalise  # noqa: E402
from pressctx.labels import LABELS  # noqa: E402

RAW = ROOT / "corpus" / "real" / "raw"
FROZEN = ROOT / "corpus" / "real" / "splits.json"
OUT = ROOT / "src" / "pressctx" / "data" / "real"
SPLITS = ("train", "validation", "test")
SHARES = {"train": 0.5, "validation": 0.25, "test": 0.25}
FIELDS = ("text", "labels", "lang", "country", "kind", "neg", "instruments", "doc_id", "position",
          "source", "outlet", "origin", "mined", "written", "note")


def outlet_of(url: str) -> str:
    """The web domain of an address, without ``www.``."""
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _segment_row(seg: dict, parent: dict, doc_id: str | None, position: int) -> dict:
    source = seg.get("source", parent.get("source"))
    row = {
        "text": seg["text"].strip(),
        "labels": [lab for lab in LABELS if lab in seg.get("labels", [])],
        "lang": seg.get("lang", parent.get("lang")),
        "country": seg.get("country", parent.get("country", "XX")),
        "kind": seg.get("kind", "body"),
        "neg": seg.get("neg"),
        "instruments": list(seg.get("instruments") or []),
        "doc_id": doc_id,
        "position": position,
        "source": source,
        "outlet": outlet_of(source),
        "origin": "real",
        "mined": bool(seg.get("mined", False)),
        "written": "team-paraphrase",
        "note": seg.get("note"),
    }
    return row


def read_raw(folder: Path = RAW) -> tuple[list[dict], list[dict]]:
    """Articles (with their segment rows) and loose segment rows of every writer's file."""
    docs, loose = [], []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if "segments" in row:
                    doc_id = f"real-{row['doc_id']}"
                    segs = [_segment_row(s, row, doc_id, i) for i, s in enumerate(row["segments"])]
                    docs.append({"doc_id": doc_id, "lang": row["lang"], "country": row.get("country", "XX"),
                                 "title": row.get("title") or "", "source": row["source"],
                                 "outlet": outlet_of(row["source"]), "rows": segs})
                else:
                    loose.append(_segment_row(row, {}, None, -1))
    return docs, loose


def _drop_repeats(docs: list[dict], loose: list[dict]) -> tuple[list[dict], int]:
    """Loose rows whose text repeats an article's row or another loose row are dropped."""
    seen = {normalise(r["text"]) for d in docs for r in d["rows"]}
    kept, dropped = [], 0
    for r in loose:
        key = normalise(r["text"])
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(r)
    return kept, dropped


def _outlet_groups(rows: list[dict]) -> dict[str, str]:
    """Map each outlet to its group's name; outlets sharing a near-duplicate are one group."""
    parent: dict[str, str] = {r["outlet"]: r["outlet"] for r in rows}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in near_duplicate_pairs([r["text"] for r in rows]):
        a, b = find(rows[i]["outlet"]), find(rows[j]["outlet"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {o: find(o) for o in parent}


def assign_splits(rows: list[dict], frozen: dict[str, str]) -> dict[str, str]:
    """Outlet -> split: the frozen ones kept, new groups placed where their language is short."""
    groups = _outlet_groups(rows)
    members: dict[str, list[str]] = collections.defaultdict(list)
    for outlet, group in groups.items():
        members[group].append(outlet)
    size: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in rows:
        size[groups[r["outlet"]]][r["lang"]] += 1
    have: dict[str, collections.Counter] = {s: collections.Counter() for s in SPLITS}
    assignment: dict[str, str] = {}
    pending = []
    for group, outlets in members.items():
        fixed = {frozen[o] for o in outlets if o in frozen}
        if fixed:
            # An outlet group already frozen keeps its split (the earliest split if the group spans two).
            split = min(fixed, key=SPLITS.index)
            for o in outlets:
                assignment[o] = split
            have[split].update(size[group])
        else:
            pending.append(group)
    pending.sort(key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    for group in pending:
        lang = size[group].most_common(1)[0][0]
        split = min(SPLITS, key=lambda s: (have[s][lang] / SHARES[s], SPLITS.index(s)))
        for o in members[group]:
            assignment[o] = split
        have[split].update(size[group])
    return assignment


def document_record(doc: dict) -> dict:
    """An article's text (segments on lines), offsets and labels."""
    text, segs = "", []
    for r in doc["rows"]:
        if text:
            text += "\n"
        start = len(text)
        text += r["text"]
        segs.append({"text": r["text"], "labels": r["labels"], "start": start, "end": len(text)})
    labels = [lab for lab in LABELS if any(lab in s["labels"] for s in segs)]
    return {"doc_id": doc["doc_id"], "lang": doc["lang"], "country": doc["country"], "title": doc["title"],
            "source": doc["source"], "outlet": doc["outlet"], "origin": "real", "text": text,
            "labels": labels, "segments": segs}


def build() -> tuple[dict[str, list[str]], dict[str, str], dict]:
    """Lines of every output file, the outlet assignment and build statistics."""
    docs, loose = read_raw()
    loose, dropped = _drop_repeats(docs, loose)
    rows = [r for d in docs for r in d["rows"]] + loose
    frozen = json.loads(FROZEN.read_text(encoding="utf-8")) if FROZEN.is_file() else {}
    assignment = assign_splits(rows, frozen)
    files: dict[str, list[str]] = {}
    for split in SPLITS:
        seg_rows = [r for r in rows if assignment[r["outlet"]] == split]
        files[f"segments-{split}.jsonl"] = [
            json.dumps({k: r.get(k) for k in FIELDS}, ensure_ascii=False) for r in seg_rows
        ]
        files[f"documents-{split}.jsonl"] = [
            json.dumps(document_record(d), ensure_ascii=False) for d in docs if assignment[d["outlet"]] == split
        ]
    return files, dict(sorted(assignment.items())), {"loose_repeats_dropped": dropped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped files differ from a rebuild")
    args = parser.parse_args()
    files, assignment, stats = build()
    if args.check:
        stale = [n for n, lines in files.items()
                 if not (OUT / n).is_file() or (OUT / n).read_text(encoding="utf-8") != "".join(l + "\n" for l in lines)]
        print("up to date" if not stale else f"stale: {stale}")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (OUT / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        print(f"{name}: {len(lines)} rows")
    FROZEN.write_text(json.dumps(assignment, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(assignment)} outlets; {stats['loose_repeats_dropped']} loose rows repeating another row dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
