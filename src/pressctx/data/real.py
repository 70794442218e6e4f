"""Statistics of the real-derived corpus, checked against the floors it was built to reach.

``python -m pressctx.data stats --real`` prints them; :func:`real_corpus_stats` returns them.
"""
from __future__ import annotations

import collections
from typing import Any

from . import SPLITS, _read_jsonl_resource
from .dedup import near_duplicate_pairs

__all__ = ["REAL_FLOORS", "real_corpus_stats", "format_real_stats", "split_leaks"]

#: What the real-derived corpus must reach (all splits together unless named).
REAL_FLOORS: dict[str, float] = {
    "segments": 4000,
    "articles": 150,
    "article_outlets": 80,
    "articles_es": 60,
    "articles_en": 40,
    "articles_ru": 20,
    "articles_with_note": 40,
    "articles_without_label": 50,
    "disclaimer": 250,
    "censorship_law": 600,
    "hostile_environment": 900,
    "disclaimer_outlets": 60,
    "hard_negatives": 1500,
    "mined_negatives": 500,
    "share_es": 0.30,
    "share_en": 0.30,
    "share_ru": 0.10,
    "share_pt_fr": 0.08,
    "validation_segments": 700,
    "test_segments": 700,
    "validation_articles": 30,
    "test_articles": 30,
}


def split_leaks(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Outlets found in more than one split, and near-duplicate pairs across splits."""
    where: dict[str, set[str]] = collections.defaultdict(set)
    for split, split_rows in rows.items():
        for r in split_rows:
            where[r["outlet"]].add(split)
    shared = sorted(o for o, s in where.items() if len(s) > 1)
    pairs = []
    names = list(rows)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            ta = [r["text"] for r in rows[names[a]]]
            tb = [r["text"] for r in rows[names[b]]]
            for i, j, sim in near_duplicate_pairs(ta, tb):
                pairs.append({"splits": [names[a], names[b]], "texts": [ta[i], tb[j]], "similarity": round(sim, 3)})
    return {"outlets_in_several_splits": shared, "near_duplicates_across_splits": pairs}


def real_corpus_stats() -> dict[str, Any]:
    """Counts of the real-derived corpus against :data:`REAL_FLOORS`, and the split checks.

    Returns:
        A dict with ``counts`` (name -> value), ``floors`` (name -> (value, floor, met)),
        ``per_split`` and ``leaks`` (see :func:`split_leaks`).
    """
    from ..labels import LABELS

    rows = {s: _read_jsonl_resource(f"segments-{s}.jsonl", "real") for s in SPLITS}
    docs = {s: _read_jsonl_resource(f"documents-{s}.jsonl", "real") for s in SPLITS}
    allrows = [r for s in SPLITS for r in rows[s]]
    alldocs = [d for s in SPLITS for d in docs[s]]
    n = max(len(allrows), 1)
    langs = collections.Counter(r["lang"] for r in allrows)
    doc_langs = collections.Counter(d["lang"] for d in alldocs)
    negatives = [r for r in allrows if not r["labels"]]
    counts: dict[str, float] = {
        "segments": len(allrows),
        "articles": len(alldocs),
        "article_outlets": len({d["outlet"] for d in alldocs}),
        "articles_es": doc_langs["es"],
        "articles_en": doc_langs["en"],
        "articles_ru": doc_langs["ru"],
        "articles_with_note": sum(bool(d["labels"]) for d in alldocs),
        "articles_without_label": sum(not d["labels"] for d in alldocs),
        **{lab: sum(lab in r["labels"] for r in allrows) for lab in LABELS},
        "disclaimer_outlets": len({r["outlet"] for r in allrows if "disclaimer" in r["labels"]}),
        "hard_negatives": sum(r.get("neg") != "ordinary" or bool(r.get("mined")) for r in negatives),
        "mined_negatives": sum(bool(r.get("mined")) for r in negatives),
        "share_es": round(langs["es"] / n, 3),
        "share_en": round(langs["en"] / n, 3),
        "share_ru": round(langs["ru"] / n, 3),
        "share_pt_fr": round((langs["pt"] + langs["fr"]) / n, 3),
        **{f"{s}_segments": len(rows[s]) for s in ("validation", "test")},
        **{f"{s}_articles": len(docs[s]) for s in ("validation", "test")},
    }
    floors = {k: (counts[k], floor, counts[k] >= floor) for k, floor in REAL_FLOORS.items()}
    per_split = {
        s: {
            "segments": len(rows[s]),
            "articles": len(docs[s]),
            "outlets": len({r["outlet"] for r in rows[s]}),
            **{lab: sum(lab in r["labels"] for r in rows[s]) for lab in LABELS},
            "langs": dict(collections.Counter(r["lang"] for r in rows[s]).most_common()),
        }
        for s in SPLITS
    }
    return {
        "counts": counts,
        "floors": floors,
        "per_split": per_split,
        "outlets": len({r["outlet"] for r in allrows}),
        "languages": dict(langs.most_common()),
        "negative_kinds": dict(collections.Counter(r.get("neg") for r in negatives).most_common()),
        "leaks": split_leaks(rows),
    }


def format_real_stats(stats: dict[str, Any]) -> str:
    """The statistics as a table of floors, then the splits and the disjointness check."""
    lines = [f"real-derived corpus: {stats['counts']['segments']} segments from {stats['outlets']} outlets", ""]
    lines.append(f"{'floor':<24}{'value':>9}{'needed':>9}  met")
    for name, (value, floor, met) in stats["floors"].items():
        fmt = (lambda v: f"{v:.1%}") if isinstance(floor, float) and floor < 1 else (lambda v: f"{int(v)}")
        lines.append(f"{name:<24}{fmt(value):>9}{fmt(floor):>9}  {'yes' if met else 'NO'}")
    lines.append("")
    lines.append("negative kinds: " + ", ".join(f"{k} {v}" for k, v in stats["negative_kinds"].items()))
    lines.append("")
    lines.append(f"{'split':<11}{'segments':>9}{'articles':>9}{'outlets':>8}{'discl.':>8}{'law':>6}{'hostile':>8}  langs")
    for split, s in stats["per_split"].items():
        lines.append(
            f"{split:<11}{s['segments']:>9}{s['articles']:>9}{s['outlets']:>8}{s['disclaimer']:>8}"
            f"{s['censorship_law']:>6}{s['hostile_environment']:>8}  " + " ".join(f"{k}:{v}" for k, v in s["langs"].items())
        )
    leaks = stats["leaks"]
    lines.append("")
    lines.append(
        f"outlets in more than one split: {len(leaks['outlets_in_several_splits'])}; "
        f"near-duplicate pairs across splits: {len(leaks['near_duplicates_across_splits'])}"
    )
    return "\n".join(lines)
