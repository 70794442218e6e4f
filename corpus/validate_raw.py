"""Check a raw corpus file written by a corpus writer and print its statistics.

Usage: python3 corpus/validate_raw.py FILE [FILE ...]

Segment files hold one labelled segment a line; document files (name contains
"docs") hold one document a line with a "segments" list.
"""
from __future__ import annotations

import collections
import json
import sys

LABELS = ("disclaimer", "censorship_law", "hostile_environment")
LANGS = {"en", "es", "pt", "fr", "ru"}
KINDS = {"closing_note", "mandated_label", "editor_note", "body", "quote", "heading",
         "caption", "link_line", "counter", "byline", "other"}
NEGS = {"other_law", "generic_disclaimer", "routine_anonymity", "link_or_counter",
        "journalism_news", "constitutional_guarantee", "ordinary"}


def check_segment(row: dict, where: str, errors: list[str], lang: str | None = None) -> None:
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: text missing or empty")
        return
    if "\n" in text or text != text.strip():
        errors.append(f"{where}: text has a newline or surrounding whitespace")
    labels = row.get("labels")
    if not isinstance(labels, list) or any(lab not in LABELS for lab in labels) or len(set(labels)) != len(labels):
        errors.append(f"{where}: bad labels {labels!r}")
        return
    seg_lang = row.get("lang", lang)
    if seg_lang not in LANGS:
        errors.append(f"{where}: bad lang {seg_lang!r}")
    if row.get("kind") not in KINDS:
        errors.append(f"{where}: bad kind {row.get('kind')!r}")
    neg = row.get("neg")
    if labels and neg is not None:
        errors.append(f"{where}: neg must be null when labels are set")
    if not labels and neg not in NEGS:
        errors.append(f"{where}: neg must be one of {sorted(NEGS)} when labels are empty")
    instruments = row.get("instruments", [])
    if "censorship_law" in labels and not instruments:
        errors.append(f"{where}: censorship_law without instruments")
    if not isinstance(row.get("country", "XX"), str) or len(row.get("country", "XX")) != 2:
        errors.append(f"{where}: country must be a 2-letter code")


def iter_rows(path: str, errors: list[str]):
    """``(line number, row)`` for each JSON line of ``path``; a line that is not JSON goes to ``errors``."""
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"line {lineno}: invalid JSON ({exc})")


def main(paths: list[str]) -> int:
    total_errors = 0
    for path in paths:
        errors: list[str] = []
        segments: list[dict] = []
        n_docs = 0
        for lineno, row in iter_rows(path, errors):
            if "segments" in row:
                n_docs += 1
                segs = row["segments"]
                if not (6 <= len(segs) <= 40):
                    errors.append(f"line {lineno}: document has {len(segs)} segments (6-40 needed)")
                if row.get("lang") not in LANGS:
                    errors.append(f"line {lineno}: document lang missing")
                for i, seg in enumerate(segs):
                    check_segment(seg, f"line {lineno} segment {i}", errors, row.get("lang"))
                    segments.append({**seg, "lang": seg.get("lang", row.get("lang"))})
            else:
                check_segment(row, f"line {lineno}", errors)
                segments.append(row)
        texts = collections.Counter(s.get("text", "").strip().lower() for s in segments)
        for text, n in texts.items():
            if n > 1 and len(text.split()) > 3:
                errors.append(f"exact duplicate x{n}: {text[:80]!r}")
        for e in errors[:200]:
            print(f"{path}: {e}")
        total_errors += len(errors)
        lab = collections.Counter(l for s in segments for l in s.get("labels", []))
        neg = collections.Counter(s.get("neg") for s in segments if not s.get("labels"))
        print(f"{path}: {len(segments)} segments, {n_docs} documents, {len(errors)} errors")
        print("  labels:", dict(lab))
        print("  negatives:", dict(neg))
        print("  langs:", dict(collections.Counter(s.get("lang") for s in segments)))
        print("  countries:", len({s.get("country") for s in segments}),
              " instruments:", len({i for s in segments for i in s.get("instruments", [])}))
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
