"""Benchmark law linking (``pressctx.find_laws``) on the hand-written evaluation set.

A predicted mention counts as correct when its law id equals that of a gold mention
whose span overlaps it. Recall counts gold mentions met by at least one correct
prediction.

Usage:
    python benchmarks/law_linking.py [--data tests/resources/law_mentions.jsonl] [--errors]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "tests" / "resources" / "law_mentions.jsonl"
# Written afterwards by a writer who never saw the registry's aliases or the linker.
HELDOUT_DATA = ROOT / "tests" / "resources" / "law_mentions_heldout.jsonl"

try:
    from pressctx.lawlinking import find_laws, laws
except ImportError:  # running from a checkout without installing the package
    sys.path.insert(0, str(ROOT / "src"))
    from pressctx.lawlinking import find_laws, laws


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read the JSONL evaluation set.

    Args:
        path: A file with one ``{"text", "lang", "mentions"}`` object a line.

    Returns:
        The rows, with gold ``start``/``end`` filled in from the mention text when absent.
    """
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            for m in row["mentions"]:
                if "start" not in m:
                    m["start"] = row["text"].index(m["text"])
                    m["end"] = m["start"] + len(m["text"])
            rows.append(row)
    return rows


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Link every row and count matches overall and per language.

    Args:
        rows: Rows from :func:`load_rows`.

    Returns:
        ``{"overall": {...}, "by_lang": {lang: {...}}, "errors": [...]}`` where each
        block has ``tp``, ``pred``, ``gold``, ``gold_found``, ``precision``, ``recall``, ``f1``.
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "pred": 0, "gold": 0, "gold_found": 0})
    errors = []
    for row in rows:
        text, gold = row["text"], row["mentions"]
        pred = find_laws(text)
        c = counts[row["lang"]]
        c["pred"] += len(pred)
        c["gold"] += len(gold)
        found = [False] * len(gold)
        for p in pred:
            ok = False
            for i, g in enumerate(gold):
                if g["law_id"] == p.law.id and p.start < g["end"] and g["start"] < p.end:
                    ok = found[i] = True
            c["tp"] += ok
            if not ok:
                errors.append(("false positive", row["lang"], text, f"{p.text!r} -> {p.law.id}"))
        c["gold_found"] += sum(found)
        for g, f in zip(gold, found):
            if not f:
                errors.append(("missed", row["lang"], text, f"{g['text']!r} ({g['law_id']})"))

    def finish(c: dict[str, int]) -> dict[str, float]:
        p = c["tp"] / c["pred"] if c["pred"] else 1.0
        r = c["gold_found"] / c["gold"] if c["gold"] else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {**c, "precision": p, "recall": r, "f1": f}

    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "pred", "gold", "gold_found")}
    return {
        "overall": finish(total),
        "by_lang": {lang: finish(c) for lang, c in sorted(counts.items())},
        "errors": errors,
    }


def score_sentences(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Sentence level: which laws a sentence names (the set of law ids), whatever the span.

    A monitor counting which laws appear needs this; it does not penalise a second
    phrase naming the same law ("insulting the president ... Article 299").
    """
    tp = pred = gold = 0
    for row in rows:
        p = {m.law.id for m in find_laws(row["text"])}
        g = {m["law_id"] for m in row["mentions"]}
        tp += len(p & g)
        pred += len(p)
        gold += len(g)
    precision = tp / pred if pred else 1.0
    recall = tp / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "pred": pred, "gold": gold, "precision": precision, "recall": recall, "f1": f1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[DEFAULT_DATA, HELDOUT_DATA])
    parser.add_argument("--errors", action="store_true", help="list false positives and missed mentions")
    args = parser.parse_args(argv)

    countries = {law.country_code for law in laws}
    print(f"registry: {len(laws)} entries, {len(countries)} countries")
    for path in args.data:
        rows = load_rows(path)
        n_pos = sum(1 for r in rows if r["mentions"])
        start = time.perf_counter()
        result = score(rows)
        elapsed = time.perf_counter() - start
        sent = score_sentences(rows)
        print(f"\n{path.name}: {len(rows)} sentences ({n_pos} with mentions, {len(rows) - n_pos} without), "
              f"{result['overall']['gold']} gold mentions")
        print(f"{'mentions':8} {'precision':>9} {'recall':>7} {'f1':>6} {'pred':>5} {'gold':>5}")
        for name, block in [("overall", result["overall"]), *result["by_lang"].items()]:
            print(f"{name:8} {block['precision']:9.3f} {block['recall']:7.3f} {block['f1']:6.3f} "
                  f"{block['pred']:5d} {block['gold']:5d}")
        print(f"{'laws per sentence':<17} precision {sent['precision']:.3f}  recall {sent['recall']:.3f}  "
              f"f1 {sent['f1']:.3f}  (pred {sent['pred']}, gold {sent['gold']})")
        print(f"linking time: {elapsed:.2f}s for {len(rows)} sentences (includes building the matchers on first use)")
        if args.errors:
            for kind, lang, text, what in result["errors"]:
                print(f"[{kind}] ({lang}) {what}\n    {text}")
    chunk = ("Reporters were detained under Venezuela's ley contra el odio and Russia's foreign agents law; "
             "the tax code and the hydrocarbons law were also debated. Статья 207.3 УК РФ. ")
    big = chunk * (1_000_000 // len(chunk))
    start = time.perf_counter()
    n = len(find_laws(big))
    print(f"\n1 MB text with a law every ~60 characters: {n} mentions in {time.perf_counter() - start:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
