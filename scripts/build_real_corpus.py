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

Files whose names start with one of ``TRAIN_ONLY`` are **training-only rounds** (written after
the validation and test splits were fixed, which later choices and the frozen test hash rely
on): their new outlets all go to train, and a row of theirs whose outlet ends up in validation
or test (an outlet already frozen there, or one tied to such an outlet by a near-duplicate
row) is left out, its whole article with it, and counted.
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
RELABELS = ROOT / "corpus" / "real" / "relabels.jsonl"
FROZEN = ROOT / "corpus" / "real" / "splits.json"
OUT = ROOT / "src" / "pressctx" / "data" / "real"
SPLITS = ("train", "validation", "test")
#: Name prefixes of the writers' files that are training-only rounds (see the module docstring).
TRAIN_ONLY = ("round6_",)
SHARES = {"train": 0.5, "validation": 0.25, "test": 0.25}
FIELDS = ("text", "labels", "lang", "country", "kind", "neg", "instruments", "doc_id", "position",
          "source", "outlet", "origin", "mined", "written", "note")


#: Second-level labels under which a country's domains are registered (``elpais.com.uy``).
_SECOND_LEVEL = {"com", "co", "org", "net", "gob", "gov", "edu", "ac", "or", "nic", "mil", "info", "tur", "blogs"}
#: Hosting platforms whose subdomains belong to different owners: the whole host is the outlet.
_PLATFORMS = ("wordpress.com", "blogspot.", "cloudfront.net", "run.app", "appspot.com", "home.blog", "over-blog.com",
              "hautetfort.com", "userpage.org", "pangea-cms.com", "proof.press")
#: Mirrors and second domains of one outlet (checked on the registrable domain or the host).
ALIASES = {
    "el-nacional.com": "elnacional.com",
    "cocuyo.1eye.us": "efectococuyo.com",
    "1eye.us": "efectococuyo.com",
    "meduza-io.ceno.life": "meduza.io",
    "ceno.life": "meduza.io",
    "www-colta-ru.ceno.life": "colta.ru",
    "ocmediatest.fourthestate.app": "oc-media.org",
    "laprensani.com": "laprensa.com.ni",
    "laprensanic.com": "laprensa.com.ni",
    "confidencial.digital": "confidencial.com.ni",
    "caucasianknot.com": "kavkaz-uzel.eu",
    "caucasianknot.net": "kavkaz-uzel.eu",
    "caucasianknot.info": "kavkaz-uzel.eu",
    "novayagazeta.ru": "novayagazeta.eu",
    "arcpublishing.com": "eluniverso.com",
    "harvard.edu": "ft.com",
    "bbc.co.uk": "bbc.com",
    "bbci.co.uk": "bbc.com",
}
#: Row kinds whose wording the law fixes (foreign-agent plates): near-duplicate loose rows of these
#: across outlets do not tie the outlets together; the held-out copy is dropped instead.
FORMULAIC = {"mandated_label"}


def outlet_of(url: str) -> str:
    """The outlet an address belongs to: its registrable web domain, mirrors mapped to the outlet.

    ``m.``/``amp.``/``staging.`` and other subdomains fold into the domain
    (``amp.kavkaz-uzel.eu`` -> ``kavkaz-uzel.eu``); hosting platforms keep the whole host
    (``x.wordpress.com``); a mirror bucket or Telegram channel is named by its path
    (``storage.googleapis.com/qurium/armando.info/...`` -> ``armando.info``,
    ``t.me/s/meduzalive`` -> ``t.me/meduzalive``); :data:`ALIASES` maps known mirrors.
    """
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().rstrip(".")
    parts = [p for p in parsed.path.split("/") if p]
    if host == "storage.googleapis.com" and len(parts) >= 2:
        host = parts[1].lower()
        host = host[4:] if host.startswith("www.") else host
    elif host == "t.me" and parts:
        return "t.me/" + (parts[1] if parts[0] == "s" and len(parts) > 1 else parts[0]).lower()
    if host in ALIASES:
        return ALIASES[host]
    labels = host.split(".")
    if any(host.endswith(p) or (p.endswith(".") and p in host) for p in _PLATFORMS) or host.replace(".", "").isdigit():
        domain = host[4:] if host.startswith("www.") else host
    else:
        keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
        domain = ".".join(labels[-keep:])
    return ALIASES.get(domain, domain)


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
                train_only = path.name.startswith(TRAIN_ONLY)
                if "segments" in row:
                    doc_id = f"real-{row['doc_id']}"
                    segs = [_segment_row(s, row, doc_id, i) for i, s in enumerate(row["segments"])]
                    docs.append({"doc_id": doc_id, "lang": row["lang"], "country": row.get("country", "XX"),
                                 "title": row.get("title") or "", "source": row["source"],
                                 "outlet": outlet_of(row["source"]), "rows": segs, "train_only": train_only})
                else:
                    # Only the FIELDS of a row are written out, so the flag stays in the build.
                    loose.append({**_segment_row(row, {}, None, -1), "train_only": train_only})
    return docs, loose


def apply_relabels(docs: list[dict], loose: list[dict], path: Path = RELABELS) -> int:
    """Apply audited label corrections (article rows by doc_id and position, loose rows by text).

    Raises:
        ValueError: if a correction matches no row or its text differs from the row's.
    """
    if not path.is_file():
        return 0
    by_doc = {d["doc_id"]: d for d in docs}
    by_text = {r["text"]: r for r in loose}
    n = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        fix = json.loads(line)
        if fix.get("doc_id") is not None:
            doc = by_doc.get(f"real-{fix['doc_id']}")
            row = doc["rows"][fix["position"]] if doc and fix["position"] < len(doc["rows"]) else None
        else:
            row = by_text.get(fix["text"])
        if row is None or row["text"] != fix["text"].strip():
            raise ValueError(f"relabel matches no row: {fix['text'][:80]!r}")
        row["labels"] = [lab for lab in LABELS if lab in fix["labels"]]
        if "censorship_law" in row["labels"]:
            row["instruments"] = list(dict.fromkeys([*row["instruments"], *fix.get("instruments", [])]))
        row["neg"] = None if row["labels"] else fix.get("neg", row["neg"] or "ordinary")
        row["mined"] = row["mined"] and not row["labels"]
        row["note"] = fix["reason"]
        n += 1
    return n


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
        if (rows[i]["kind"] in FORMULAIC and rows[j]["kind"] in FORMULAIC
                and rows[i]["doc_id"] is None and rows[j]["doc_id"] is None):
            continue
        a, b = find(rows[i]["outlet"]), find(rows[j]["outlet"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {o: find(o) for o in parent}


def assign_splits(rows: list[dict], frozen: dict[str, str], train_only: set[str] = frozenset()) -> dict[str, str]:
    """Outlet -> split: the frozen ones kept, new groups placed where their language is short
    (a new group of only ``train_only`` outlets: train)."""
    groups = _outlet_groups(rows)
    members: dict[str, list[str]] = collections.defaultdict(list)
    for outlet, group in groups.items():
        members[group].append(outlet)
    size: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in rows:
        size[groups[r["outlet"]]][r["lang"]] += 1
    notes: dict[str, int] = collections.Counter(groups[r["outlet"]] for r in rows if "disclaimer" in r["labels"])
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
            have[split]["disclaimer"] += notes[group]
        else:
            pending.append(group)
    pending.sort(key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    for group in pending:
        # Groups holding outlet notes are balanced on notes (the rarest label), the rest on language.
        stratum = "disclaimer" if notes[group] else size[group].most_common(1)[0][0]
        split = min(SPLITS, key=lambda s: (have[s][stratum] / SHARES[s], SPLITS.index(s)))
        if all(o in train_only for o in members[group]):
            split = "train"
        for o in members[group]:
            assignment[o] = split
        have[split].update(size[group])
        have[split]["disclaimer"] += notes[group]
    return assignment


def drop_formulaic_repeats(rows: list[dict], assignment: dict[str, str]) -> tuple[list[dict], int]:
    """Drop held-out formulaic rows that near-duplicate a row of an earlier split (train, then validation).

    Inside an article the row stays (its article must stay whole) and the article's
    copy in the held-out split is kept; only loose rows are dropped. Returns the kept
    rows and the number dropped.
    """
    order = {s: i for i, s in enumerate(SPLITS)}
    formulaic = [i for i, r in enumerate(rows) if r["kind"] in FORMULAIC]
    texts = [rows[i]["text"] for i in formulaic]
    drop = set()
    for a, b, _ in near_duplicate_pairs(texts):
        i, j = formulaic[a], formulaic[b]
        si, sj = order[assignment[rows[i]["outlet"]]], order[assignment[rows[j]["outlet"]]]
        if si == sj:
            continue
        later = i if si > sj else j
        if rows[later]["doc_id"] is None:
            drop.add(later)
    return [r for k, r in enumerate(rows) if k not in drop], len(drop)


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
    relabelled = apply_relabels(docs, loose)
    loose, dropped = _drop_repeats(docs, loose)
    rows = [r for d in docs for r in d["rows"]] + loose
    frozen = json.loads(FROZEN.read_text(encoding="utf-8")) if FROZEN.is_file() else {}
    # Outlets that only training-only rounds bring (new ones, or ones such a round froze in train before).
    units = [*docs, *loose]  # an article or a loose row, each with its outlet and round flag
    others = {u["outlet"] for u in units if not u["train_only"]}
    train_only = {u["outlet"] for u in units if u["train_only"]} - others
    assignment = assign_splits(rows, frozen, {o for o in train_only if frozen.get(o, "train") == "train"})
    # A training-only round's article or row whose outlet lands outside train is left out.
    late = [u for u in units if u["train_only"] and assignment[u["outlet"]] != "train"]
    if late:
        left = {id(u) for u in late}
        docs = [d for d in docs if id(d) not in left]
        loose = [r for r in loose if id(r) not in left]
        rows = [r for d in docs for r in d["rows"]] + loose
        kept = {r["outlet"] for r in rows}
        assignment = {o: s for o, s in assignment.items() if o in kept or o in frozen}
    rows, formulaic_dropped = drop_formulaic_repeats(rows, assignment)
    files: dict[str, list[str]] = {}
    for split in SPLITS:
        seg_rows = [r for r in rows if assignment[r["outlet"]] == split]
        files[f"segments-{split}.jsonl"] = [
            json.dumps({k: r.get(k) for k in FIELDS}, ensure_ascii=False) for r in seg_rows
        ]
        files[f"documents-{split}.jsonl"] = [
            json.dumps(document_record(d), ensure_ascii=False) for d in docs if assignment[d["outlet"]] == split
        ]
    return files, dict(sorted(assignment.items())), {"loose_repeats_dropped": dropped, "relabelled": relabelled,
                                                     "formulaic_dropped": formulaic_dropped,
                                                     "train_only_left_out": sum(len(u.get("rows", [u])) for u in late)}


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
    print(f"{len(assignment)} outlets; {stats['relabelled']} rows relabelled by the audit; {stats['loose_repeats_dropped']} loose rows repeating another row dropped; "
          f"{stats['formulaic_dropped']} held-out mandated plates near-duplicating an earlier split's dropped; "
          f"{stats['train_only_left_out']} rows of training-only rounds left out (their outlet is in validation or test)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
