"""Law linking with document context, new country cues and the instruments added from real text."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from pressctx.lawlinking import find_laws, implied_law, laws
from pressctx.results import build_result

ROOT = Path(__file__).resolve().parents[1]


def linked(text: str, context: bool = False) -> list[tuple[str, str]]:
    return [(m.text, m.law.id) for m in find_laws(text, context=context)]


def ids(text: str, context: bool = False) -> list[str]:
    return [m.law.id for m in find_laws(text, context=context)]


# --------------------------------------------------------------------------- references inside one document


@pytest.mark.parametrize("doc,reference,law_id", [
    ("Venezuela aprobó la ley contra el odio en 2017. La norma prevé penas de hasta 20 años.", "La norma",
     "ve-law-against-hatred"),
    ("Russia's foreign agents law was tightened in 2022. The law now obliges us to label every post.", "The law",
     "ru-foreign-agents-law"),
    ("Turkey's parliament passed the disinformation law in October. The new legislation punishes 'misleading "
     "information' with prison.", "The new legislation", "tr-disinformation-law"),
    ("Nicaragua aprobó la Ley Especial de Ciberdelitos. La reforma castiga con cárcel las 'noticias falsas'.",
     "La reforma", "ni-cybercrimes-law"),
    ("Em 1983 foi promulgada a Lei de Segurança Nacional. A lei foi usada contra opositores.", "A lei",
     "br-national-security-law"),
    ("Le « décret 54 » a été signé par Kaïs Saïed en 2022. Le texte prévoit cinq ans de prison.", "Le texte",
     "tn-decree-law-54"),
    ("Госдума приняла закон об иностранных агентах. Этот закон обязывает маркировать материалы.", "Этот закон",
     "ru-foreign-agents-law"),
    ("En Cuba rige el Decreto Ley 370 desde 2019. El decreto sanciona a quien difunda información.", "El decreto",
     "cu-decree-law-370"),
])
def test_a_reference_resolves_to_the_one_law_named_before_it(doc, reference, law_id):
    found = linked(doc, context=True)
    assert (reference, law_id) in found, found
    mentions = find_laws(doc, context=True)
    assert all(doc[m.start:m.end] == m.text for m in mentions)
    # Without context the reference stays unlinked, as before.
    assert reference not in [text for text, _ in linked(doc)]


def test_two_candidates_do_not_resolve():
    doc = ("Venezuela aplica la ley contra el odio y la ley antibloqueo contra la prensa. "
           "La norma prevé penas de cárcel.")
    assert "La norma" not in [t for t, _ in linked(doc, context=True)]


def test_a_reference_of_a_kind_needs_a_law_of_that_kind():
    # "el decreto" leans on a decree; the only law named is not one.
    doc = "Venezuela aprobó la ley contra el odio en 2017. El decreto fue publicado ayer."
    assert ids(doc, context=True) == ["ve-law-against-hatred"]


def test_another_country_named_by_the_reference_blocks_it():
    doc = "Russia's foreign agents law was tightened in 2022. Meanwhile the law in Georgia is being debated."
    assert ids(doc, context=True) == ["ru-foreign-agents-law"]
    doc = "Nicaragua aprobó la Ley Especial de Ciberdelitos. La ley salvadoreña es distinta."
    assert ids(doc, context=True) == ["ni-cybercrimes-law"]


def test_a_name_the_registry_does_not_hold_is_not_a_reference():
    doc = "Venezuela aprobó la ley contra el odio en 2017. La ley de hidrocarburos fue reformada."
    assert ids(doc, context=True) == ["ve-law-against-hatred"]
    doc = "Russia's foreign agents law was tightened. No official is above the law, and the rule of law matters."
    assert ids(doc, context=True) == ["ru-foreign-agents-law"]
    doc = "Russia's foreign agents law was tightened. The Law Enforcement Agency said nothing."
    assert ids(doc, context=True) == ["ru-foreign-agents-law"]


def test_references_never_cross_documents():
    first = "Venezuela aprobó la ley contra el odio en 2017."
    second = "La norma prevé penas de hasta 20 años."
    assert ids(first, context=True) == ["ve-law-against-hatred"]
    assert find_laws(second, context=True) == []
    # A reference before the law is named is not resolved either.
    assert ids(second + " " + first, context=True) == ["ve-law-against-hatred"]


def test_lone_sentences_are_unchanged_without_context():
    assert find_laws("The law now obliges us to label every post.") == []
    assert find_laws("La norma prevé penas de cárcel.", context=True) == []
    with pytest.raises(TypeError):
        find_laws(None, context=True)  # type: ignore[arg-type]


def test_build_result_links_spans_with_the_document_as_context():
    text = ("Nicaragua aprobó la Ley Especial de Ciberdelitos el martes.\n"
            "El tiempo fue soleado.\n"
            "La norma castiga con cárcel a quienes critiquen al gobierno.")
    first_end = text.index("\n")
    second_end = text.index("\n", first_end + 1)
    segments = [(0, first_end, text[:first_end]), (first_end + 1, second_end, text[first_end + 1:second_end]),
                (second_end + 1, len(text), text[second_end + 1:])]
    labels = ["disclaimer", "censorship_law", "hostile_environment"]
    probs = np.array([[0.0, 0.9, 0.0], [0.0, 0.1, 0.0], [0.0, 0.9, 0.0]])
    result = build_result(text, segments, probs, labels, [0.5, 0.5, 0.5])
    spans = [s for s in result.spans if s.label == "censorship_law"]
    assert len(spans) == 2
    assert [m.law.id for m in spans[1].laws] == ["ni-cybercrimes-law"]
    assert spans[1].laws[0].text == "La norma"
    for span in spans:
        for m in span.laws:
            assert text[m.start:m.end] == m.text and span.start <= m.start < span.end
    assert spans[1].to_dict()["laws"][0]["law_id"] == "ni-cybercrimes-law"


def test_of_laws_named_close_together_a_reference_takes_the_one_the_text_is_about():
    doc = ("La Asamblea aprobó la ley contra el fascismo. La ley contra el fascismo completa la ley contra "
           "el odio. La norma prevé penas de cárcel.")
    assert ("La norma", "ve-anti-fascism-law") in linked(doc, context=True)
    # Named once each: no law stands out, the reference stays unlinked.
    tie = "La ley contra el fascismo completa la ley contra el odio. La norma prevé penas de cárcel."
    assert "La norma" not in [t for t, _ in linked(tie, context=True)]


def _tag(text: str, cl: list[float]):
    """build_result over the text's lines, with the given censorship_law scores."""
    segments, start = [], 0
    for line in text.split("\n"):
        segments.append((start, start + len(line), line))
        start += len(line) + 1
    probs = np.array([[0.0, p, 0.0] for p in cl])
    return build_result(text, segments, probs, ["disclaimer", "censorship_law", "hostile_environment"], [0.5] * 3)


def test_a_censorship_law_segment_that_names_no_law_gets_the_law_of_its_document():
    text = ("Nicaragua aprobó la Ley Especial de Ciberdelitos el martes.\n"
            "El tiempo fue soleado.\n"
            "Quien difunda noticias falsas irá de dos a cuatro años a prisión.")
    result = _tag(text, [0.9, 0.1, 0.9])
    first, last = [s for s in result.spans if s.label == "censorship_law"]
    assert [m.implied for m in first.laws] == [False]
    assert [(m.law.id, m.implied) for m in last.laws] == [("ni-cybercrimes-law", True)]
    implied = last.laws[0]
    assert (implied.start, implied.end) == (last.start, last.end) and text[implied.start:implied.end] == implied.text
    assert last.to_dict()["laws"][0]["implied"] is True and first.to_dict()["laws"][0]["implied"] is False
    # The same sentence is not linked when the tagger does not label it, nor when no law came before it.
    assert not [m for s in _tag(text, [0.9, 0.1, 0.1]).spans for m in s.laws if m.implied]
    before = text.split("\n")[2] + "\n" + text.split("\n")[0]
    assert [m.implied for s in _tag(before, [0.9, 0.9]).spans for m in s.laws] == [False]


def test_implied_law_needs_one_law_or_one_that_stands_out():
    doc = ("Venezuela aplica la ley contra el odio. También rige la ley antibloqueo. "
           "Quien la incumpla irá preso.")
    at = doc.index("Quien")
    assert implied_law(find_laws(doc, context=True), at) is None  # two laws, once each
    doc2 = "La ley contra el odio rige desde 2017. " + doc
    assert implied_law(find_laws(doc2, context=True), doc2.index("Quien")).id == "ve-law-against-hatred"
    # Only laws named before the passage, within the window, and no implied mentions.
    mentions = find_laws(doc2, context=True)
    assert implied_law(mentions, 0) is None
    assert implied_law(mentions, doc2.index("Quien"), window=10) is None
    assert implied_law([dataclasses.replace(m, implied=True) for m in mentions], doc2.index("Quien")) is None


# --------------------------------------------------------------------------- new country cues


@pytest.mark.parametrize("text,law_id", [
    ("El Congreso de Puebla aprobó la llamada Ley Censura.", "mx-puebla-cyber-harassment"),
    ("La Supercom sancionó a 198 medios con la ley de comunicación.", "ec-communication-law"),
    ("Police in Kano arrested the blogger for cyberstalking.", "ng-cybercrimes-act"),
    ("Journalists in Luanda were convicted of ultraje ao Estado.", "ao-penal-code-333"),
    ("A Tehran court jailed the editor on propaganda charges.", "ir-art-500"),
    ("Giammattei sancionó la ley de ONG en 2020.", "gt-ngo-law-reform"),
    ("Sheinbaum defendió la nueva Ley de Telecomunicaciones.", "mx-telecom-broadcasting-law-2025"),
])
def test_places_institutions_and_outlets_are_country_cues(text, law_id):
    assert law_id in ids(text), linked(text)


def test_every_registry_country_has_cues_beyond_its_name():
    raw = json.loads((ROOT / "src" / "pressctx" / "lawlinking" / "laws.json").read_text(encoding="utf-8"))
    for code in {law.country_code for law in laws}:
        assert len(raw["countries"][code]["cues"]) >= 3, code


# --------------------------------------------------------------------------- instruments added from real text


@pytest.mark.parametrize("text,law_id", [
    ("Fue despojado de su nacionalidad bajo la Ley 1145.", "ni-nationality-loss-law"),
    ("A Lei de Imprensa de 1967 foi derrubada pelo STF.", "br-press-law-1967"),
    ("Foi condenada com base no artigo 333.º do Código Penal de Angola.", "ao-penal-code-333"),
    ("Con normas como la Resolución 105 del Mincom se castigan contenidos.", "cu-mincom-resolution-105"),
    ("Ролик внесли в Федеральный список экстремистских материалов.", "ru-extremist-materials-list"),
    ("A court gag order in the Anat Kam case kept the story out of Israeli papers.", "il-anat-kam-gag-order"),
    ("The Israeli Chief Censor Directive for Operation Swords of Iron lists banned topics.", "il-censor-directive-2023"),
    ("RT America had to register as a foreign agent in the United States.", "us-fara"),
    ("Он осужден по статье 282.1 УК РФ.", "ru-art-282-1"),
    ("The FIR invokes IPC section 153A against the Indian reporter.", "in-ipc-153a"),
])
def test_instruments_named_by_real_text_are_linked(text, law_id):
    assert law_id in ids(text), linked(text)


def test_the_us_registration_act_still_needs_a_country():
    assert find_laws("The lobbyist registered under the Foreign Agents Registration Act.") == []


def test_instrument_map_of_the_real_corpus_points_into_the_registry():
    mapping = json.loads((ROOT / "corpus" / "real" / "instrument_ids.json").read_text(encoding="utf-8"))
    for name, law_id in mapping.items():
        if name.startswith("_") or law_id is None:
            continue
        assert law_id in laws, (name, law_id)
        assert laws.get(law_id).country_code == name.split(":")[0], name


# --------------------------------------------------------------------------- references: choosing among candidates


def test_the_law_named_last_wins_when_it_stands_apart():
    doc = ("Venezuela aplica desde 2017 la ley contra el odio a periodistas, tuiteros y comerciantes que critican "
           "los precios, y ONG locales cuentan ya cientos de casos en todo el país desde que entró en vigor. "
           "Hace un año la Asamblea aprobó además la ley antifascista. La norma prevé penas de cárcel.")
    assert ("La norma", "ve-anti-fascism-law") in linked(doc, context=True)


def test_candidates_of_the_country_named_by_the_reference_are_preferred():
    doc = ("Russia's foreign agents law inspired others. Nicaragua passed the Special Cybercrimes Law in 2020; "
           "in Nicaragua the law punishes 'false news'.")
    assert ("the law", "ni-cybercrimes-law") in linked(doc, context=True)


@pytest.mark.parametrize("doc,reference,law_id", [
    ("Nicaragua aprobó la Ley Especial de Ciberdelitos en 2020. El artículo 30 castiga la «información falsa».",
     "El artículo 30", "ni-cybercrimes-law"),
    ("В марте 2022 года в УК появилась статья 207.3 о «фейках» об армии. По этой статье возбуждено 5 тысяч дел.",
     "По этой статье", "ru-art-207-3"),
    ("В 2015 году приняли закон о нежелательных организациях. Прежде нежелательными стали «Проект» и другие.",
     "нежелательными", "ru-undesirable-organisations-law"),
    ("Nicaragua aprobó la Ley Especial de Ciberdelitos. Abre la puerta a nuevos casos de «ciberdelitos».",
     "ciberdelitos", "ni-cybercrimes-law"),
    ("Venezuela aprobó la ley antifascista en 2024. El marco legal prevé multas para los medios.",
     "El marco legal", "ve-anti-fascism-law"),
])
def test_more_reference_phrases(doc, reference, law_id):
    assert (reference, law_id) in linked(doc, context=True)
    assert reference not in [t for t, _ in linked(doc)]


def test_a_reference_right_before_a_name_is_part_of_it():
    doc = ("Минюст признал «Медузу» иноагентом. Кроме того, ее внесли в реестр нежелательных организаций.")
    assert ("в реестр", "ru-foreign-agents-law") not in linked(doc, context=True)


def test_a_medida_que_is_a_conjunction_not_a_reference():
    doc = ("Nicaragua aprobó la Ley Especial de Ciberdelitos en 2020. A medida que pasan los meses crecen "
           "las denuncias. La medida castiga con cárcel.")
    assert linked(doc, context=True) == [("Ley Especial de Ciberdelitos", "ni-cybercrimes-law"),
                                         ("La medida", "ni-cybercrimes-law")]
    doc = "O Brasil aprovou a Lei de Segurança Nacional. À medida que o tempo passa, cresce a pressão."
    assert ids(doc, context=True) == ["br-national-security-law"]


def test_a_penal_code_reference_does_not_link_one_of_its_articles():
    doc = ("L'article 144 bis du code pénal algérien punit l'offense au président. "
           "RSF demande de réformer le code pénal.")
    assert [t for t, _ in linked(doc, context=True)].count("le code pénal") == 0


def test_a_country_word_inside_another_countrys_law_name_is_not_a_cue():
    doc = ("Georgia's parliament passed the bill again. The foreign agent law, nicknamed the 'Russian law', "
           "tags media funded from abroad.")
    assert "ru-foreign-agents-law" not in ids(doc, context=True)


def test_a_reference_in_a_sentence_on_another_country_stays_unlinked():
    doc = ("В России закон о противодействии экстремистской деятельности применяют к СМИ. "
           "Власти Беларуси объявили ресурсы «Белсата» экстремистскими.")
    assert ids(doc, context=True) == ["ru-extremism-law"]


def test_a_list_named_by_its_own_genitive_is_not_a_registry_list():
    doc = ("Минюст внес «Медузу» в реестр иноагентов. Росфинмониторинг включил ее в перечень террористов и экстремистов.")
    assert [t for t, _ in linked(doc, context=True)].count("в перечень") == 0
    doc = "Минюст внес «Медузу» в реестр иноагентов. Теперь в этом перечне 49 организаций."
    assert ("в этом перечне", "ru-foreign-agents-law") in linked(doc, context=True)


def test_a_country_named_in_the_previous_sentence_does_not_block_a_reference():
    doc = ("Путин подписал закон о «фейках об армии» 4 марта, после вторжения в Украину. "
           "Всего по этой статье возбуждено около 5 тысяч дел.")
    assert ("по этой статье", "ru-art-207-3") in linked(doc, context=True)
    # In its own sentence another country still blocks it.
    doc = ("Путин подписал закон о «фейках об армии» 4 марта. "
           "В Украине по этой статье никого не судят.")
    assert ("по этой статье", "ru-art-207-3") not in linked(doc, context=True)


# ---------------------------------------------------------------- the outlet's country as a hint


def test_the_outlets_country_decides_a_name_that_needs_its_country():
    text = "Uno de los cambios de la Ley de Ciberdelitos es el del artículo 8."
    assert ids(text) == []
    assert [(m.text, m.law.id) for m in find_laws(text, country="NI")] == [("Ley de Ciberdelitos", "ni-cybercrimes-law")]
    assert ids("El artículo 147 castiga la ofensa al jefe del Estado.") == []
    assert [m.law.id for m in find_laws("El artículo 147 castiga la ofensa al jefe del Estado.", country="ve")] == [
        "ve-penal-code-insult"]


def test_the_hint_never_overrides_a_country_the_text_names():
    text = "En El Salvador, la Ley de Ciberdelitos también castiga la difusión de datos."
    hinted = [m.law.id for m in find_laws(text, country="NI")]
    assert "ni-cybercrimes-law" not in hinted
    assert hinted == [m.law.id for m in find_laws(text)]
    # Another country in the sentence keeps the hint out.
    assert find_laws("Como en Cuba, la Ley de Ciberdelitos castiga.", country="NI") == find_laws(
        "Como en Cuba, la Ley de Ciberdelitos castiga.")


def test_a_hint_that_is_no_candidate_changes_nothing():
    text = "Uno de los cambios de la Ley de Ciberdelitos es el del artículo 8."
    assert find_laws(text, country="FI") == [] and find_laws(text, country="RU") == []


def test_country_hint_errors():
    with pytest.raises(ValueError):
        find_laws("texto", country="Nicaragua")
    with pytest.raises(TypeError):
        find_laws("texto", country=505)
    assert find_laws("", country="NI") == []


def test_country_of_outlet():
    from pressctx.lawlinking import country_of_outlet

    assert country_of_outlet("https://www.laprensani.com/2024/01/01/nota/") == "NI"
    assert country_of_outlet("confidencial.digital") == "NI"
    assert country_of_outlet("english.meduza.io") == "RU"            # a subdomain of a listed outlet
    assert country_of_outlet("http://ejemplo.com.ve:8080/x") == "VE"  # a registry country's top-level domain
    assert country_of_outlet("news.example.co.uk") == "GB"
    assert country_of_outlet("example.io") is None                    # used worldwide
    assert country_of_outlet("example.co") is None
    assert country_of_outlet("https://noticias.example.com.co/x") == "CO"  # ... except under a national second level
    assert country_of_outlet("www.example.org.co") == "CO"
    assert country_of_outlet("bbc.com") is None
    assert country_of_outlet("example.fi") is None                    # not a registry country
    assert country_of_outlet("") is None
    with pytest.raises(TypeError):
        country_of_outlet(None)


def test_every_outlet_is_listed_once():
    raw = json.loads((ROOT / "src" / "pressctx" / "lawlinking" / "laws.json").read_text(encoding="utf-8"))
    seen = [d for c in raw["countries"].values() for d in c.get("outlets", ())]
    assert seen and len(seen) == len(set(seen))
    assert all(d == d.lower() and "/" not in d and not d.startswith("www.") for d in seen)


def _all_law_result(text: str):
    from pressctx.segmentation import segment_text

    segs = segment_text(text)
    probs = np.array([[0.0, 0.9, 0.0]] * len(segs))
    return build_result(text, [(s.start, s.end, s.text) for s in segs], probs,
                        ["disclaimer", "censorship_law", "hostile_environment"], [0.5, 0.5, 0.5])


def test_relink_laws_uses_the_country_for_span_laws():
    from pressctx.results import relink_laws

    text = "La Asamblea aprobó la reforma de la Ley de Ciberdelitos. La norma castiga las noticias falsas."
    plain = _all_law_result(text)
    assert [m.law.id for sp in plain.spans for m in sp.laws] == []
    hinted = relink_laws(plain, "NI")
    assert [(m.text, m.law.id) for sp in hinted.spans for m in sp.laws] == [
        ("Ley de Ciberdelitos", "ni-cybercrimes-law"), ("La norma", "ni-cybercrimes-law")]
    assert [(s.start, s.end, s.label) for s in hinted.spans] == [(s.start, s.end, s.label) for s in plain.spans]
    assert hinted.segments == plain.segments
    assert relink_laws(plain, None) is plain


def test_tag_html_takes_the_outlets_country_from_the_url():
    import pressctx

    class AllLaw:
        def tag(self, text):
            return _all_law_result(text)

    html = ("<html><head><title>Reforma</title></head><body><article><h1>Reforma</h1>"
            "<p>La Asamblea aprobó la reforma de la Ley de Ciberdelitos.</p>"
            "<p>La norma castiga con cárcel la difusión de noticias falsas en redes sociales.</p>"
            "</article></body></html>")
    on_ni = pressctx.tag_html(html, url="https://www.laprensani.com/2024/09/10/reforma/", tagger=AllLaw())
    assert "ni-cybercrimes-law" in [m.law.id for sp in on_ni.spans for m in sp.laws]
    elsewhere = pressctx.tag_html(html, url="https://example.org/reforma", tagger=AllLaw())
    assert [m.law.id for sp in elsewhere.spans for m in sp.laws] == []


def test_records_with_a_url_link_laws_with_the_outlets_country(tmp_path):
    from pressctx.io.records import iter_records, process_records

    class AllLaw:
        def tag_many(self, texts, batch_size=64):
            return (_all_law_result(t) for t in texts)

    text = "La Asamblea aprobó la reforma de la Ley de Ciberdelitos."
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in [
        {"id": "ni", "text": text, "url": "https://www.laprensani.com/2024/09/10/reforma/"},
        {"id": "none", "text": text},
        {"id": "other", "text": text, "url": "https://example.org/x"},
    ]) + "\n", encoding="utf-8")
    out = list(process_records(AllLaw(), iter_records([str(rows)], id_field="id"),
                               lambda rec, res: {"id": rec.id, **res.to_dict()}))
    laws_of = {o["id"]: [law["law_id"] for sp in o["spans"] for law in sp.get("laws", [])] for o in out}
    assert laws_of == {"ni": ["ni-cybercrimes-law"], "none": [], "other": []}
