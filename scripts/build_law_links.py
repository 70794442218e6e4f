"""Build the gold law links of the real corpus: which registry laws each censorship_law segment names.

Usage:
    python scripts/build_law_links.py [--corpus DIR] [--check]

For every ``censorship_law`` segment of the real validation and test splits
(``DIR/segments-{validation,test}.jsonl``, by default the package's ``data/real``),
writes one row to ``corpus/real/law_links.jsonl``:

    {"split", "doc_id", "position", "lang", "text", "instruments",
     "laws": [...],        # registry ids the segment names read inside its article
     "laws_alone": [...],  # registry ids it names read alone
     "decision": "..."}    # the hand decision applied, or null

The gold comes from the rows' ``instruments`` strings, mapped to registry ids by hand in
``corpus/real/instrument_ids.json``, and from the hand decisions in
``corpus/real/law_links_decisions.txt`` (segments that lean on their article, segments that
name no identifiable instrument, laws the text names beyond its ``instruments``). The linker
is never run here. ``--check`` fails if the written file would change.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pressctx.lawlinking import laws  # noqa: E402

IDS = ROOT / "corpus" / "real" / "instrument_ids.json"
DECISIONS = ROOT / "corpus" / "real" / "law_links_decisions.txt"
OUT = ROOT / "corpus" / "real" / "law_links.jsonl"
DEFAULT_CORPUS = ROOT / "src" / "pressctx" / "data" / "real"
SPLITS = ("validation", "test")


def read_decisions(path: Path) -> list[tuple[str, list[str]]]:
    """``(text start, codes)`` pairs from the decisions file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        codes, _, start = line.partition("|")
        out.append((start, codes.split()))
    return out


def gold_row(row: dict, split: str, mapping: dict, decisions: list[tuple[str, list[str]]],
             used: set[int]) -> dict:
    unknown = [i for i in row["instruments"] if i not in mapping]
    if unknown:
        raise SystemExit(f"instrument(s) not in {IDS.name}: {unknown} (row {row['text'][:60]!r})")
    ids = list(dict.fromkeys(mapping[i] for i in row["instruments"] if mapping[i]))
    alone = list(ids)
    applied = None
    matching = [k for k, (start, _) in enumerate(decisions) if row["text"].startswith(start)]
    if len(matching) > 1:
        raise SystemExit(f"several decisions match one row: {[decisions[k][0] for k in matching]}")
    for k, (start, codes) in enumerate(decisions):
        if not row["text"].startswith(start):
            continue
        used.add(k)
        applied = " ".join(codes)
        for code in codes:
            if code == "C":
                alone = []
            elif code == "N":
                ids, alone = [], []
            elif code.startswith("+"):
                ids.append(code[1:])
                if "C" not in codes:
                    alone.append(code[1:])
            elif code.startswith("A="):
                alone = code[2:].split(",")
            elif code.startswith("L="):
                ids = alone = code[2:].split(",")
            else:
                raise SystemExit(f"bad decision code {code!r}")
        break
    if not row["doc_id"]:
        ids = alone  # a loose segment has no article to lean on
    for law_id in ids + alone:
        laws.get(law_id)  # UnknownLawError for a typo
    return {
        "split": split, "doc_id": row["doc_id"], "position": row["position"], "lang": row["lang"],
        "text": row["text"], "instruments": row["instruments"],
        "laws": sorted(set(ids)), "laws_alone": sorted(set(alone)), "decision": applied,
    }


def build(corpus: Path) -> list[dict]:
    mapping = {k: v for k, v in json.loads(IDS.read_text(encoding="utf-8")).items() if not k.startswith("_")}
    decisions = read_decisions(DECISIONS)
    used: set[int] = set()
    rows = []
    for split in SPLITS:
        with open(corpus / f"segments-{split}.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if "censorship_law" in row["labels"]:
                    rows.append(gold_row(row, split, mapping, decisions, used))
    for k, (start, _) in enumerate(decisions):
        if k not in used:
            print(f"note: decision matches no validation/test row: {start!r}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of the real corpus's splits")
    parser.add_argument("--check", action="store_true", help="fail if corpus/real/law_links.jsonl would change")
    args = parser.parse_args(argv)
    rows = build(args.corpus)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("law_links.jsonl is up to date" if same else "law_links.jsonl is out of date")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    n = len(rows)
    named = sum(1 for r in rows if r["laws"])
    alone = sum(1 for r in rows if r["laws_alone"])
    print(f"{n} censorship_law segments: {named} name a registry law in their article, {alone} alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
