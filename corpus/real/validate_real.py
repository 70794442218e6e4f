"""Check a real-derived corpus file and print its statistics.

Usage:
    python3 corpus/real/validate_real.py FILE [FILE ...] [--excerpts DIR]

A real-derived file holds JSON lines of two shapes: an article
(``{"doc_id", "source", "outlet", "lang", "country", "origin": "real", "segments": [...]}``,
every sentence of the stored page in order) or a loose segment
(``{"text", "labels", "lang", "country", "kind", "neg", "instruments", "source",
"outlet", "origin": "real"}``). With ``--excerpts DIR`` every row is compared with the
stored excerpt of its page (text files under DIR whose first line is the page's
address): a run of 8 words shared with the excerpt is an error, since rows are
paraphrases, never copies.
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from validate_raw import check_segment as check_labels, iter_rows  # noqa: E402  (corpus v1's row checks)

SHARED_RUN = 8
_WORD = re.compile(r"\w+", re.UNICODE)


def outlet_of(url: str) -> str:
    """The web domain of an address, without ``www.`` (the unit of the outlet split)."""
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _grams(text: str, n: int = SHARED_RUN) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def read_excerpts(folder: Path) -> dict[str, set[tuple[str, ...]]]:
    grams: dict[str, set[tuple[str, ...]]] = collections.defaultdict(set)
    for path in sorted(folder.rglob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if lines:
            grams[lines[0].strip()] |= _grams("\n".join(lines[1:]))
    return grams


def check_segment(row: dict, where: str, errors: list[str], parent: dict) -> None:
    """corpus v1's row checks (labels, kinds, negatives, instruments), then the provenance fields."""
    merged = {**{k: parent[k] for k in ("lang", "country") if k in parent}, **row}
    before = len(errors)
    check_labels(merged, where, errors)
    if len(errors) > before and not isinstance(row.get("text"), str):
        return
    labels = row.get("labels") or []
    source = row.get("source", parent.get("source"))
    if not isinstance(source, str) or not source.startswith(("http://", "https://")):
        errors.append(f"{where}: source must be the page's address")
    elif outlet_of(source) != row.get("outlet", parent.get("outlet")):
        errors.append(f"{where}: outlet must be {outlet_of(source)!r} (the source's domain)")
    if row.get("origin", parent.get("origin")) != "real":
        errors.append(f"{where}: origin must be 'real'")
    if not isinstance(row.get("mined", False), bool):
        errors.append(f"{where}: mined must be true or false")
    if row.get("mined") and labels:
        errors.append(f"{where}: a mined hard negative has no labels")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--excerpts", type=Path, help="folder of stored excerpts (first line: address)")
    args = parser.parse_args(argv)
    excerpts = read_excerpts(args.excerpts) if args.excerpts else None
    total_errors = 0
    for path in args.files:
        errors: list[str] = []
        segments: list[dict] = []
        n_docs = 0
        for lineno, row in iter_rows(path, errors):
            if "segments" in row:
                n_docs += 1
                segs = row["segments"]
                if not (8 <= len(segs) <= 40):
                    errors.append(f"line {lineno}: article has {len(segs)} segments (8-40 needed)")
                if not row.get("doc_id"):
                    errors.append(f"line {lineno}: article without doc_id")
                for i, seg in enumerate(segs):
                    check_segment(seg, f"line {lineno} segment {i}", errors, row)
                    segments.append({**{k: row.get(k) for k in ("lang", "country", "source", "outlet")}, **seg})
            else:
                check_segment(row, f"line {lineno}", errors, {})
                segments.append(row)
        texts = collections.Counter(s.get("text", "").strip().lower() for s in segments)
        for text, n in texts.items():
            if n > 1 and len(text.split()) > 3:
                errors.append(f"exact duplicate x{n}: {text[:80]!r}")
        if excerpts is not None:
            for s in segments:
                shared = _grams(s.get("text", "")) & excerpts.get(s.get("source", ""), set())
                if s.get("source") not in excerpts:
                    errors.append(f"no stored excerpt for {s.get('source')!r}")
                elif shared:
                    errors.append(f"shares {SHARED_RUN} words with its page: {' '.join(next(iter(shared)))!r}")
        for e in sorted(set(errors))[:200]:
            print(f"{path}: {e}")
        total_errors += len(errors)
        lab = collections.Counter(l for s in segments for l in s.get("labels", []))
        neg = collections.Counter(s.get("neg") for s in segments if not s.get("labels"))
        print(f"{path}: {len(segments)} segments, {n_docs} articles, {len(errors)} errors")
        print("  labels:", dict(lab))
        print("  negatives:", dict(neg), " mined:", sum(bool(s.get("mined")) for s in segments))
        print("  langs:", dict(collections.Counter(s.get("lang") for s in segments)))
        print("  outlets:", len({s.get("outlet") for s in segments}),
              " countries:", len({s.get("country") for s in segments}))
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
