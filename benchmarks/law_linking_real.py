"""Benchmark law linking on real text: the real corpus's censorship_law segments.

Gold: ``corpus/real/law_links.jsonl`` (built by ``scripts/build_law_links.py`` from the rows'
instrument strings and hand decisions, never from the linker), which lists per segment the
registry laws it names read inside its article (``laws``) and read alone (``laws_alone``).

Two readings:

* **alone**: ``find_laws(segment_text)``, scored against ``laws_alone``;
* **in context**: the whole article is linked at once (``find_laws(article, context=True)`` where
  the linker has that keyword, plain ``find_laws(article)`` otherwise) and each mention is given to
  the segment that holds it, scored against ``laws``. A loose segment (no article) is read alone.

Figures, on the segments whose gold for that reading is not empty (those that name an
identifiable instrument):

* **per segment** (what a monitor counts): the set of law ids linked in a segment against the gold
  set; precision = correct (segment, law) pairs / linked pairs, recall = found pairs / gold pairs;
  ``covered`` = share of segments with at least one correct link;
* **per mention**: every linked mention is a prediction, correct when its law is in the segment's
  gold set; the gold records laws per segment, not spans, so a gold mention is a (segment, law)
  pair, found when a mention of that law is linked in the segment (mention recall therefore
  equals per-segment recall).

The ``in articles`` row keeps the segments that sit in an article (a loose segment has no
article to read it in, so it is read alone in both readings).

``all cl segments`` adds the censorship_law segments whose gold is empty: any link there is a
false positive. ``other segments`` counts links in segments not labelled censorship_law (no gold).

``--clean`` leaves out the test segments listed in ``corpus/real/law_links_tuned_test_rows.jsonl``
(they were in the validation split during part of the tuning, before the corpus's splits were
frozen).

``--split train`` scores the train split against a **silver** gold built on the fly: each
censorship_law segment's ``instruments`` strings mapped to registry ids through
``corpus/real/instrument_ids.json``, with no hand decisions. The same set serves both readings, so
a segment that leans on its article ("the law now obliges ...") counts as a miss read alone: the
silver "alone" recall is a lower bound, and the in-article figures are the ones to follow. The
train split is the development set for generalisation (it is large and its outlets are not the
test split's); validation checks for regressions; test is scored without ``--errors``.

Usage:
    python benchmarks/law_linking_real.py --corpus DIR [--split train validation test] [--clean] [--errors]
"""
from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "corpus" / "real" / "law_links.jsonl"
# Test rows that sat in the validation split while the linker was tuned (the splits moved until
# the corpus was frozen); --clean leaves them out.
TUNED = ROOT / "corpus" / "real" / "law_links_tuned_test_rows.jsonl"
DEFAULT_CORPUS = ROOT / "src" / "pressctx" / "data" / "real"
INSTRUMENT_IDS = ROOT / "corpus" / "real" / "instrument_ids.json"

try:
    from pressctx.lawlinking import find_laws, laws
except ImportError:  # running from a checkout without installing the package
    sys.path.insert(0, str(ROOT / "src"))
    from pressctx.lawlinking import find_laws, laws

HAS_CONTEXT = "context" in inspect.signature(find_laws).parameters
HAS_COUNTRY = "country" in inspect.signature(find_laws).parameters


def link_document(text: str, country: str | None = None) -> list[Any]:
    if country is not None:
        return find_laws(text, context=True, country=country)
    return find_laws(text, context=True) if HAS_CONTEXT else find_laws(text)


def outlet_country(outlet: str | None) -> str | None:
    """The hint a user can give: the country of the outlet's web domain (never the row's ``country``)."""
    if not outlet or not HAS_COUNTRY:
        return None
    from pressctx.lawlinking import country_of_outlet

    return country_of_outlet(outlet)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def silver_gold(split: str, corpus: Path) -> list[dict[str, Any]]:
    """Gold rows for a split without hand annotation: instrument strings mapped to registry ids.

    Every censorship_law segment of ``segments-{split}.jsonl`` becomes a row whose ``laws`` and
    ``laws_alone`` are the registry ids of its ``instruments`` (strings mapped to null, i.e. not a
    registry instrument, are dropped). Fails on an instrument string the mapping lacks.
    """
    with open(INSTRUMENT_IDS, encoding="utf-8") as f:
        ids = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    rows = []
    for r in load_jsonl(corpus / f"segments-{split}.jsonl"):
        if "censorship_law" not in r["labels"]:
            continue
        unknown = [i for i in r["instruments"] if i not in ids]
        if unknown:
            raise SystemExit(f"instrument strings missing from {INSTRUMENT_IDS.name}: {unknown}")
        want = sorted({ids[i] for i in r["instruments"] if ids[i]})
        rows.append({"split": split, "doc_id": r.get("doc_id"), "position": r.get("position"), "lang": r["lang"],
                     "text": r["text"], "instruments": r["instruments"], "laws": want, "laws_alone": want,
                     "decision": "silver"})
    return rows


_TAGGED: dict[tuple[str, str], Any] = {}


def tagged_implied(tagger: Any, split: str, doc_id: str, text: str, country: str | None) -> list[Any]:
    """The implied law links of an article as ``tagger`` tags it: the ``implied`` mentions of its
    ``censorship_law`` spans (relinked with ``country`` when it is given). Results are cached."""
    from pressctx.results import relink_laws

    key = (split, doc_id)
    if key not in _TAGGED:
        _TAGGED[key] = tagger.tag(text)
    result = relink_laws(_TAGGED[key], country)
    return [m for sp in result.spans for m in sp.laws if m.implied]


def predict(split: str, corpus: Path, gold: list[dict[str, Any]], hint: bool = False,
            tagger: Any = None) -> dict[str, Any]:
    """Link every gold segment alone and inside its article.

    With ``hint``, every call also gets the country of the row's outlet (``country_of_outlet`` of the
    ``outlet`` domain recorded in the corpus; ``None`` where the domain does not tell).

    With ``tagger``, a third reading, ``tagged``: the in-article mentions plus the implied links
    (``LawMention.implied``) that the tagger's ``censorship_law`` spans give the segment, which is
    what ``span.laws`` of ``pressctx tag`` adds for a segment the tagger labels; a segment the tagger
    does not label keeps its explicit mentions only.

    Returns:
        ``{"alone": [mentions per gold row], "context": [...], "tagged": [...] (with a tagger),
        "other_links": n, "other_segments": n, "other_implied": n, "seconds_alone": s,
        "seconds_context": s, "hinted": rows with a hint}``.
    """
    docs = {d["doc_id"]: d for d in load_jsonl(corpus / f"documents-{split}.jsonl")}
    outlets = {(r.get("doc_id"), r.get("position"), r["text"]): r.get("outlet")
               for r in load_jsonl(corpus / f"segments-{split}.jsonl")} if hint else {}
    hints = [outlet_country(outlets.get((g["doc_id"], g["position"], g["text"]))) for g in gold]
    doc_hints = {doc_id: outlet_country(d.get("outlet")) if hint else None for doc_id, d in docs.items()}
    start = time.perf_counter()
    alone = [find_laws(g["text"], country=h) if h else find_laws(g["text"]) for g, h in zip(gold, hints)]
    t_alone = time.perf_counter() - start
    start = time.perf_counter()
    per_doc = {doc_id: link_document(d["text"], doc_hints[doc_id]) for doc_id, d in docs.items()}
    t_context = time.perf_counter() - start
    implied = {doc_id: tagged_implied(tagger, split, doc_id, d["text"], doc_hints[doc_id]) if tagger else []
               for doc_id, d in docs.items()}
    by_segment: dict[tuple[str, int], list[Any]] = defaultdict(list)
    by_segment_tagged: dict[tuple[str, int], list[Any]] = defaultdict(list)
    other_links = other_segments = other_implied = 0
    gold_keys = {(g["doc_id"], g["position"]) for g in gold if g["doc_id"]}
    for doc_id, mentions in per_doc.items():
        segs = docs[doc_id]["segments"]
        for pos, seg in enumerate(segs):
            inside = [m for m in mentions if seg["start"] <= m.start < seg["end"]]
            added = [m for m in implied[doc_id] if seg["start"] <= m.start < seg["end"]]
            by_segment[(doc_id, pos)] = inside
            by_segment_tagged[(doc_id, pos)] = inside + added
            if "censorship_law" not in seg["labels"]:
                other_segments += 1
                other_links += len(inside)
                other_implied += len(added)
    context, tagged = [], []
    for g, lone in zip(gold, alone):
        if not g["doc_id"]:
            context.append(lone)
            tagged.append(lone)
            continue
        doc = docs.get(g["doc_id"])
        if doc is None or doc["segments"][g["position"]]["text"] != g["text"]:
            raise SystemExit(f"gold row not found in {split} documents: {g['doc_id']}#{g['position']}; "
                             "rebuild corpus/real/law_links.jsonl (scripts/build_law_links.py)")
        context.append(by_segment[(g["doc_id"], g["position"])])
        tagged.append(by_segment_tagged[(g["doc_id"], g["position"])])
    assert gold_keys <= set(by_segment)
    return {"alone": alone, "context": context, "tagged": tagged, "other_links": other_links,
            "other_segments": other_segments, "other_implied": other_implied,
            "seconds_alone": t_alone, "seconds_context": t_context, "hinted": sum(h is not None for h in hints)}


def score(gold: list[dict[str, Any]], preds: list[list[Any]], key: str) -> dict[str, Any]:
    """Per-segment and per-mention counts, overall and by language, plus the error list."""
    blocks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors = []
    for g, mentions in zip(gold, preds):
        want = set(g[key])
        got = {m.law.id for m in mentions}
        # "in articles": the segments that sit in an article (loose segments are read alone in both readings).
        for name in ("overall", g["lang"], *(["in articles"] if g["doc_id"] else [])):
            b = blocks[name]
            if want:
                b["segments"] += 1
                b["gold"] += len(want)
                b["pair_tp"] += len(got & want)
                b["pair_pred"] += len(got)
                b["covered"] += bool(got & want)
                b["mentions"] += len(mentions)
                b["mention_tp"] += sum(m.law.id in want for m in mentions)
            b["all_segments"] += 1
            b["all_pred"] += len(got)
            b["all_tp"] += len(got & want)
        if got != want:
            errors.append((g, sorted(want - got), sorted(got - want), mentions))
    return {"blocks": blocks, "errors": errors}


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def print_table(title: str, result: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"{'':11} {'segs':>5} {'gold':>5} | {'seg P':>6} {'seg R':>6} {'covered':>7} | {'men P':>6} {'men R':>6} "
          f"{'links':>5} | {'all cl P':>8}")
    blocks = result["blocks"]
    for name in ["overall", *(["in articles"] if "in articles" in blocks else [])] + sorted(
            k for k in blocks if k not in ("overall", "in articles")):
        b = blocks[name]
        print(f"{name:11} {b['segments']:5d} {b['gold']:5d} | {ratio(b['pair_tp'], b['pair_pred']):6.3f} "
              f"{ratio(b['pair_tp'], b['gold']):6.3f} {ratio(b['covered'], b['segments']):7.3f} | "
              f"{ratio(b['mention_tp'], b['mentions']):6.3f} {ratio(b['pair_tp'], b['gold']):6.3f} "
              f"{b['mentions']:5d} | {ratio(b['all_tp'], b['all_pred']):8.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of the real corpus's splits")
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--split", nargs="+", default=["validation", "test"], choices=["train", "validation", "test"],
                        help="train is scored against a silver gold (instrument strings mapped to ids)")
    parser.add_argument("--errors", action="store_true", help="list every segment whose linked laws differ from gold")
    parser.add_argument("--clean", action="store_true",
                        help="leave out test segments that were in the validation split during tuning")
    parser.add_argument("--outlet-hint", action="store_true",
                        help="also read every segment and article with its outlet's country (country_of_outlet)")
    parser.add_argument("--tagged", metavar="MODEL", nargs="?", const="default",
                        help="also read the articles as pressctx tags them with MODEL (default: the "
                             "default model): in-article mentions plus span.laws' implied links")
    args = parser.parse_args(argv)
    tagger = None
    if args.tagged:
        import pressctx

        tagger = pressctx.load(args.tagged)

    countries = {law.country_code for law in laws}
    print(f"registry: {len(laws)} entries, {len(countries)} countries; document context: "
          f"{'find_laws(..., context=True)' if HAS_CONTEXT else 'plain find_laws on the article'}")
    gold_all = load_jsonl(args.gold)
    tuned = {(t["doc_id"], t["position"], t["text"]) for t in load_jsonl(TUNED)} if args.clean else set()
    for split in args.split:
        if split == "train":
            gold = silver_gold(split, args.corpus)
        else:
            gold = [g for g in gold_all if g["split"] == split and (g["doc_id"], g["position"], g["text"]) not in tuned]
        runs = [("", predict(split, args.corpus, gold, tagger=tagger))]
        if args.outlet_hint:
            runs.append((", with the outlet's country", predict(split, args.corpus, gold, hint=True, tagger=tagger)))
        pred = runs[0][1]
        print(f"\n=== {split}{' (clean)' if args.clean and split == 'test' else ''}{' (silver gold)' if split == 'train' else ''}: {len(gold)} censorship_law segments "
              f"({sum(1 for g in gold if g['doc_id'])} in articles); linking took {pred['seconds_alone']:.2f}s "
              f"alone, {pred['seconds_context']:.2f}s for the articles")
        if args.outlet_hint:
            print(f"outlet's country known for {runs[1][1]['hinted']} of {len(gold)} segments")
        readings = [("alone", "laws_alone"), ("context", "laws")] + ([("tagged", "laws")] if tagger else [])
        titles = {"alone": "read alone", "context": "read inside their articles",
                  "tagged": f"read inside their articles as tagged by {args.tagged!r} (span.laws' implied links)"}
        for (reading, key), (label, pred) in [(rk, run) for run in runs for rk in readings]:
            result = score(gold, pred[reading], key)
            print_table(f"[{split}, {titles[reading]}{label}]", result)
            if args.errors:
                for g, missed, wrong, mentions in result["errors"]:
                    found = ", ".join(f"{m.text!r}->{m.law.id}" for m in mentions)
                    where = f"{g['doc_id']}#{g['position']} " if g["doc_id"] else ""
                    print(f"  [{g['lang']}] {where}missed {missed} wrong {wrong} | {g['text'][:160]!r} | linked: {found}")
        for label, pred in runs:
            print(f"other segments (not censorship_law) in the articles{label}: {pred['other_links']} links in "
                  f"{pred['other_segments']} segments" + (f", {pred['other_implied']} implied links" if tagger else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
