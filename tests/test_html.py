"""HTML input: main text with the outlet's notes kept, boilerplate dropped, page metadata."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import pressctx
from pressctx.io.html import extract_html

HTML = Path(__file__).parent / "resources" / "html"


@pytest.fixture(scope="module")
def baseline():
    return pressctx.load("baseline")


def page(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8")


def spans_over(result, needle: str) -> set[str]:
    start = result.text.index(needle)
    return {s.label for s in result.spans if s.start <= start < s.end}


def test_wordpress_closing_note_kept_and_counter_dropped(baseline):
    html = page("wordpress_closing_note.html")
    note = "*Journalism in Venezuela is practised under the law against hatred"
    assert note not in extract_html(html, recover_notes=False).text  # trafilatura alone cuts it
    result = pressctx.tag_html(html, tagger=baseline)
    assert note in result.text
    assert result.text.rstrip().endswith("with those limits in mind.")  # the note closes the article
    for junk in ("Views", "412", "Posted in", "Power cuts return", "Todos los derechos", "Quiénes somos"):
        assert junk not in result.text
    assert spans_over(result, note) == {"disclaimer", "censorship_law", "hostile_environment"}
    law = next(s for s in result.spans if s.label == "censorship_law")
    assert [m.law.id for m in law.laws] == ["ve-law-against-hatred"]
    assert result.metadata["sitename"] == "El Faro del Lago"
    assert result.metadata["date"] == "2024-03-14"
    assert result.metadata["title"] == "Hospitals in Zulia run out of insulin for the third month"
    assert result.metadata["url"] == "https://elfarodellago.example/2024/03/insulina-zulia/"
    (start, end), = result.metadata["recovered"]
    assert result.text[start:end].startswith(note)


def test_foreign_agent_plate_above_headline_comes_first(baseline):
    html = page("ru_foreign_agent_plate.html")
    plate = "ДАННОЕ СООБЩЕНИЕ (МАТЕРИАЛ) СОЗДАНО"
    assert plate not in extract_html(html, recover_notes=False).text
    result = pressctx.tag_html(html, tagger=baseline, url="https://severvestnik.example/news/2023/11/02/uchitel")
    assert result.text.startswith(plate)
    assert "Учительницу истории из Чайковского" in result.text
    for junk in ("Поделиться", "Telegram", "Подкасты", "Все права защищены"):
        assert junk not in result.text
    assert {"disclaimer", "censorship_law"} <= spans_over(result, plate)
    law = next(s for s in result.spans if s.label == "censorship_law" and s.start == 0)
    assert {m.law.id for m in law.laws} == {"ru-foreign-agents-law"}
    assert result.metadata["sitename"] == "Северный вестник"
    assert result.metadata["date"] == "2023-11-02"


def test_exile_mirror_notice_in_aside_kept_in_place(baseline):
    html = page("exile_mirror_aside.html")
    notice = "Our website is blocked in Belarus."
    assert notice not in extract_html(html, recover_notes=False).text
    result = pressctx.tag_html(html, tagger=baseline)
    text = result.text
    # Between the paragraphs it stood between in the page.
    assert text.index("non-disclosure orders.") < text.index(notice) < text.index("Rights groups count")
    for junk in ("Most read", "Food prices rise", "Dinamo Minsk", "Registered in Latvia", "By our correspondent"):
        assert junk not in text
    assert spans_over(result, notice) == {"disclaimer", "hostile_environment"}
    assert result.metadata["sitename"] == "Free Voice Riga"


def test_cookie_banner_and_related_headlines_are_not_the_article(baseline):
    html = page("cookie_banner_related.html")
    result = pressctx.tag_html(html, tagger=baseline)
    assert result.text.startswith("The city council approved four new bus routes")
    for junk in ("cookies", "Accept all", "Related articles", "foreign agents law", "National Security Law",
                 "law against hatred", "Press freedom index"):
        assert junk not in result.text
    assert result.labels == ()
    assert result.metadata["recovered"] == []
    # The related headlines would be tagged if they were taken for the article.
    assert baseline.tag("Journalist detained under foreign agents law in Moscow").labels


def test_offsets_and_to_dict(baseline):
    result = pressctx.tag_html(page("exile_mirror_aside.html"), tagger=baseline)
    for seg in result.segments:
        assert result.text[seg.start : seg.end] == seg.text
    out = result.to_dict()
    assert out["metadata"]["title"].startswith("Minsk court sentences")
    assert "metadata" not in baseline.tag("Plain text.").to_dict()
    json.dumps(out)


def test_bad_input():
    with pytest.raises(TypeError, match="str or bytes"):
        extract_html(42)
    assert extract_html("   ").text == ""
    assert extract_html(page("wordpress_closing_note.html").encode("utf-8")).sitename == "El Faro del Lago"


def test_cli_html_files_and_html_in_jsonl(tmp_path, capsys):
    from pressctx.cli import main

    assert main(["tag", str(HTML / "ru_foreign_agent_plate.html"), "--model", "baseline", "-q"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["metadata"]["sitename"] == "Северный вестник" and "disclaimer" in rec["labels"]
    rows = tmp_path / "pages.jsonl"
    with rows.open("w", encoding="utf-8") as fh:
        for i, name in enumerate(sorted(p.name for p in HTML.glob("*.html"))):
            fh.write(json.dumps({"id": name, "html": page(name), "outlet": f"o{i}", "url": f"https://o{i}.example/a"}) + "\n")
        fh.write(json.dumps({"id": "broken", "html": 3}) + "\n")
    out = tmp_path / "tags.jsonl"
    code = main(["tag", str(rows), "--format", "html", "--text-field", "html", "--keep-fields", "outlet",
                 "--model", "baseline", "-o", str(out), "-q"])
    assert code == 1  # one broken record
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs][-1] == "broken" and "error" in recs[-1]
    by_id = {r["id"]: r for r in recs}
    assert by_id["cookie_banner_related.html"]["labels"] == []
    assert by_id["exile_mirror_aside.html"]["metadata"]["url"] == "https://o1.example/a"
    assert by_id["exile_mirror_aside.html"]["outlet"] == "o1"
