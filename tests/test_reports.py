"""Monitor reports: per-outlet, per-month tables and charts from `pressctx tag` output."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import pressctx
from pressctx.errors import DataError
from pressctx.reports import monitor_report, write_monitor_report

HTML = Path(__file__).parent / "resources" / "html"
OUTLETS = ("Diario Sur", "Northern Courier", "Vestnik Exile")
MONTHS = ("2024-01-15", "2024-02-03", "2024-03-28")


@pytest.fixture(scope="module")
def tags_file(tmp_path_factory):
    """Corpus test documents tagged by the baseline with `pressctx tag`, with invented outlets and dates."""
    from pressctx.cli import main

    docs = pressctx.load_documents()["test"]
    path = tmp_path_factory.mktemp("report") / "articles.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, doc in enumerate(docs):
            for j, month in enumerate(MONTHS):
                if (i + j) % 3 == 2:
                    continue  # not every article in every month
                fh.write(json.dumps({"id": f"{doc['doc_id']}-{j}", "text": doc["text"],
                                     "outlet": OUTLETS[i % 3], "date": month}, ensure_ascii=False) + "\n")
        fh.write(json.dumps({"id": "undated", "text": "Views: 412", "outlet": "Diario Sur"}) + "\n")
    tags = path.with_name("tags.jsonl")
    assert main(["tag", str(path), "--model", "baseline", "--keep-fields", "outlet,date", "-o", str(tags), "-q"]) == 0
    return tags


def test_counts_match_the_tags(tags_file):
    recs = [json.loads(line) for line in tags_file.read_text(encoding="utf-8").splitlines()]
    report = monitor_report(tags_file)
    assert report.outlets == sorted(OUTLETS)
    assert report.months == ["2024-01", "2024-02", "2024-03"]
    assert report.skipped == {"no readable date": 1}
    for row in report.rows:
        mine = [r for r in recs if r["outlet"] == row.outlet and r.get("date", "").startswith(row.month)]
        assert row.articles == len(mine)
        assert row.with_disclaimer == sum("disclaimer" in r["labels"] for r in mine)
        assert row.with_law == sum("censorship_law" in r["labels"] for r in mine)
    assert sum(r.with_law for r in report.rows) > 0 and any(r.laws for r in report.rows)
    # the most named law of a month is named in at most as many articles as mention a law
    for row in report.rows:
        for _, _, n in row.top_laws():
            assert n <= row.with_law


def test_files_written(tags_file, tmp_path):
    from pressctx.cli import main

    assert main(["report", str(tags_file), "-o", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    md = (out / "report.md").read_text(encoding="utf-8")
    for outlet in OUTLETS:
        assert f"## {outlet}" in md
    rows = list(csv.DictReader((out / "report.csv").open(encoding="utf-8")))
    assert len(rows) == len(monitor_report(tags_file).rows)
    assert {"outlet", "month", "articles", "disclaimer_share", "law_share", "top_law_ids"} <= set(rows[0])
    laws = list(csv.DictReader((out / "laws.csv").open(encoding="utf-8")))
    assert laws and all(pressctx.laws.get(r["law_id"]).name == r["law_name"] for r in laws)
    for png in ("disclaimer_share.png", "law_share.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_outlet_and_date_from_html_metadata(tmp_path):
    baseline = pressctx.load("baseline")
    recs = [pressctx.tag_html((HTML / n).read_text(encoding="utf-8"), tagger=baseline).to_dict()
            for n in ("ru_foreign_agent_plate.html", "exile_mirror_aside.html", "wordpress_closing_note.html")]
    report = monitor_report(recs)
    cells = {(r.outlet, r.month): r for r in report.rows}
    assert set(cells) == {("Северный вестник", "2023-11"), ("Free Voice Riga", "2024-05"), ("El Faro del Lago", "2024-03")}
    assert cells[("El Faro del Lago", "2024-03")].top_laws() == [("ve-law-against-hatred", pressctx.laws.get("ve-law-against-hatred").name, 1)]
    assert cells[("Северный вестник", "2023-11")].with_disclaimer == 1


def test_nothing_to_report():
    with pytest.raises(DataError, match="no record has both an outlet and a date"):
        monitor_report([{"id": 1, "labels": []}])
    with pytest.raises(DataError, match="no such tags file"):
        monitor_report("missing.jsonl")
