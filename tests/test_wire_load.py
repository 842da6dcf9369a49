"""News agencies' items in PostgreSQL: a new version updates its article (one row, the versions'
history kept), older versions are history only, pictures and packages are stored and linked,
and what is withheld, canceled or under embargo stays out of the live views.

The items are built here as a reader hands them over (SourceDocument with its WireItem,
Picture, Package) and split by the real splitter; the NLP stage's output is a minimal stand-in,
since what is tested is the loading. tests/test_flow_wire.py runs real files through it all.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg

from nyhetsflyt.db.load import load_articles
from nyhetsflyt.db.wire import load_pictures_and_packages
from nyhetsflyt.documents import (
    Block,
    EnrichedArticle,
    Enrichment,
    Package,
    PackageMember,
    Picture,
    PubStatus,
    SourceDocument,
    WireItem,
)
from nyhetsflyt.extract.split import split_document

FIRE = "NTBtest-brann-0001"
FIRE_VERSIONS = {
    1: ("Brann i lagerhall på Hamar", ["Det brenner kraftig i en lagerhall på Hamar, melder politiet.",
                                       "Brannvesenet er på stedet med fem mannskaper."]),
    2: ("Lagerhall på Hamar totalskadd i brann", ["En lagerhall på Hamar er totalskadd etter en brann tirsdag.",
                                                  "Brannvesenet fikk kontroll etter fire timer.",
                                                  "Politiet vet ennå ikke hva som startet brannen."]),
}


def picture(key: str, caption: str, photographer: str, *, version: str | None = None,
            created: datetime | None = None) -> Picture:
    return Picture(caption=caption, credit=f"{photographer} / NTB", photographers=[photographer], agencies=["NTB"],
                   source_uri=f"/innboks/{key}.xml", source_format="newsmlg2", item_id=key,
                   wire=WireItem(provider="NTB", version=version, version_created=created))


def wire_document(item_id: str, version: int, title: str, paragraphs: list[str], *, status: PubStatus = "usable",
                  embargo: datetime | None = None, pictures: tuple[Picture, ...] = ()) -> SourceDocument:
    blocks = [Block(text, "paragraph") for text in paragraphs]
    blocks += [Block(p.caption, "caption", f"Foto: {p.credit}") for p in pictures]
    wire = WireItem(provider="NTB", agencies=["NTB"], byline="Kari Berg, NTB", version=str(version),
                    first_created=datetime(2024, 6, 1, 10, tzinfo=timezone.utc),
                    version_created=datetime(2024, 6, 1, 10 + version, tzinfo=timezone.utc),
                    pub_status=status, embargo=embargo, pictures=list(pictures))
    return SourceDocument(source_uri=f"/innboks/{item_id}-v{version}.xml", source_format="nitf", blocks=blocks,
                          raw_text="\n".join([title, *paragraphs]), title=title, authors=["Kari Berg"],
                          external_id=item_id, language="nb", wire=wire)


def fire(version: int, status: PubStatus = "usable") -> SourceDocument:
    title, paragraphs = FIRE_VERSIONS.get(version, (FIRE_VERSIONS[2][0], ["Meldingen er trukket tilbake."]))
    smoke = picture("urn:test:bilde-royk", "Røyken sto høyt over Hamar tirsdag.", "Geir Olsen")
    return wire_document(FIRE, version, title, paragraphs, status=status, pictures=(smoke,))


def enriched(document: SourceDocument) -> EnrichedArticle:
    enrichment = Enrichment(sentences=[], entities=[], quotes=[], keywords=[], language="nb",
                            language_confidence=1.0, model_name="test", model_version="0")
    return EnrichedArticle(split_document(document), enrichment)


def load(url: str, *documents: SourceDocument):
    with psycopg.connect(url) as conn:
        return load_articles(conn, [enriched(d) for d in documents])


def rows(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def snapshot(url: str) -> list[list[tuple]]:
    return [
        rows(url, "SELECT id, content_hash, title, ingested_at FROM news.articles ORDER BY id"),
        rows(url, "SELECT * FROM news.wire_items ORDER BY item_id"),
        rows(url, "SELECT * FROM news.wire_versions ORDER BY item_id, seen_index"),
        rows(url, "SELECT * FROM news.photos ORDER BY id"),
        rows(url, "SELECT * FROM news.packages ORDER BY item_id"),
        rows(url, "SELECT * FROM news.item_links ORDER BY parent_id, position"),
    ]


def test_a_second_version_updates_its_article(empty_db):
    first = load(empty_db, fire(1))
    (article_id,) = first.new.values()
    second = load(empty_db, fire(2))
    assert list(second.updated.values()) == [article_id] and list(second.new.values()) == [article_id]

    ((stored_id, title, body),) = rows(empty_db, "SELECT id, title, body FROM news.articles")
    assert stored_id == article_id and title == "Lagerhall på Hamar totalskadd i brann"
    assert "Politiet vet ennå ikke" in body and "melder politiet" not in body
    assert rows(empty_db, "SELECT item_id, article_id, version, version_count, provider, agencies, language"
                          " FROM news.wire_items") == [(FIRE, article_id, "2", 2, "NTB", ["NTB"], "nb")]
    history = rows(empty_db, "SELECT seen_index, version, title FROM news.wire_versions ORDER BY seen_index")
    assert history == [(1, "1", "Brann i lagerhall på Hamar"), (2, "2", "Lagerhall på Hamar totalskadd i brann")]
    # The new version's parts replaced the old ones: one caption, the new paragraphs.
    assert rows(empty_db, "SELECT photographers, agencies FROM news.captions") == [(["Geir Olsen"], ["NTB"])]
    assert rows(empty_db, "SELECT count(*) FROM news.segments WHERE kind IN ('lede', 'paragraph')") == [(3,)]

    # Loading either version again changes nothing.
    before = snapshot(empty_db)
    again = load(empty_db, fire(1), fire(2))
    assert again.new == {} and len(again.duplicates) == 2
    assert snapshot(empty_db) == before


def test_an_older_version_arriving_late_is_history_only(empty_db):
    load(empty_db, fire(2))
    late = load(empty_db, fire(1))
    assert late.new == {}
    assert rows(empty_db, "SELECT title FROM news.articles") == [("Lagerhall på Hamar totalskadd i brann",)]
    assert rows(empty_db, "SELECT version, version_count FROM news.wire_items") == [("2", 2)]
    assert rows(empty_db, "SELECT seen_index, version FROM news.wire_versions ORDER BY 1") == [(1, "2"), (2, "1")]


def test_versions_in_one_batch_load_as_one_article(empty_db):
    result = load(empty_db, fire(2), fire(1))
    assert len(result.new) == 1
    assert rows(empty_db, "SELECT count(*), min(title) FROM news.articles") == [
        (1, "Lagerhall på Hamar totalskadd i brann")]
    assert rows(empty_db, "SELECT version, version_count FROM news.wire_items") == [("2", 2)]
    assert rows(empty_db, "SELECT seen_index, version FROM news.wire_versions ORDER BY 1") == [(1, "1"), (2, "2")]


def test_a_canceled_version_leaves_the_live_view(empty_db):
    load(empty_db, fire(1))
    load(empty_db, fire(2))
    assert rows(empty_db, "SELECT count(*) FROM news.live_articles") == [(1,)]
    load(empty_db, fire(3, status="canceled"))
    assert rows(empty_db, "SELECT count(*) FROM news.articles") == [(1,)]
    assert rows(empty_db, "SELECT pub_status, version_count FROM news.wire_items") == [("canceled", 3)]
    assert rows(empty_db, "SELECT count(*) FROM news.live_articles") == [(0,)]


def test_withheld_canceled_and_embargoed_items_stay_out_of_the_live_views(empty_db):
    in_a_month = datetime.now(timezone.utc) + timedelta(days=30)
    long_ago = datetime(2001, 10, 6, 8, tzinfo=timezone.utc)

    def item(key: str, title: str, **wire) -> SourceDocument:
        return wire_document(f"urn:test:{key}", 1, title, [f"{title}, melder kommunen i en pressemelding."], **wire)

    load(empty_db,
         item("vanlig", "Ny skole åpner i Moss"),
         item("holdt", "Kommunen utsetter budsjettet", status="withheld"),
         item("trukket", "Feil tall i valgresultatet", status="canceled"),
         item("sperret", "Statsbudsjettet legges fram", embargo=in_a_month),
         item("utlopt", "Nobelprisen deles ut", embargo=long_ago),
         # An article from any other source is live as ever.
         SourceDocument(source_uri="/innboks/skole.txt", source_format="plain_text", title="Skolemat i Bodø",
                        blocks=[Block("Elevene i Bodø får gratis frokost fra høsten.")], raw_text="…"))
    live = {title for (title,) in rows(empty_db, "SELECT title FROM news.live_articles")}
    assert rows(empty_db, "SELECT count(*) FROM news.articles") == [(6,)]
    assert live == {"Ny skole åpner i Moss", "Nobelprisen deles ut", "Skolemat i Bodø"}
    # Once its embargo has passed, an item is live.
    with psycopg.connect(empty_db) as conn:
        conn.execute("UPDATE news.wire_items SET embargo_until = now() - interval '1 minute'"
                     " WHERE item_id = 'urn:test:sperret'")
    assert "Statsbudsjettet legges fram" in {t for (t,) in rows(empty_db, "SELECT title FROM news.live_articles")}


def test_pictures_and_packages_are_stored_and_linked_to_their_text(empty_db):
    shown = picture("urn:test:ras-bilde-1", "Steinmassene dekker veien.", "Mona Dahl")
    text = wire_document("urn:test:ras-tekst", 3, "Ras stengte veien gjennom dalen",
                         ["Et steinras stengte riksveien natt til torsdag.", "Ingen ble skadd."], pictures=(shown,))
    item = picture("urn:test:ras-bilde-1", "Steinmassene dekker veien.", "Mona Dahl", version="1",
                   created=datetime(2024, 5, 2, 7, 40, tzinfo=timezone.utc))
    item.headline, item.href = "Ras over riksveien", "https://bilder.example.no/ras-1.jpg"
    package = Package(item_id="urn:test:ras-pakke", source_uri="/innboks/ras.xml", source_format="newsmlg2",
                      headline="Ras stengte veien gjennom dalen",
                      members=[PackageMember("urn:test:ras-tekst", "text", "root"),
                               PackageMember("urn:test:ras-bilde-1", "picture", "bilder")],
                      wire=WireItem(provider="NTB", version="1"))
    with psycopg.connect(empty_db) as conn:
        (article_id,) = load_articles(conn, [enriched(text)]).new.values()
        stored = load_pictures_and_packages(conn, [item], [package])
    assert (stored.photos, stored.packages) == (1, 1)
    # The picture item is a newer version than the text's view of it: its headline and address count.
    assert rows(empty_db, "SELECT photo_key, caption, photographers, agencies, headline, href FROM news.photos") == [
        ("urn:test:ras-bilde-1", "Steinmassene dekker veien.", ["Mona Dahl"], ["NTB"], "Ras over riksveien",
         "https://bilder.example.no/ras-1.jpg")]
    assert rows(empty_db, "SELECT article_id, via FROM news.article_photos ORDER BY via") == [
        (article_id, "item"), (article_id, "package")]
    assert rows(empty_db, "SELECT member_id, member_class FROM news.item_links"
                          " WHERE parent_id = 'urn:test:ras-pakke' ORDER BY position") == [
        ("urn:test:ras-tekst", "text"), ("urn:test:ras-bilde-1", "picture")]

    before = snapshot(empty_db)
    with psycopg.connect(empty_db) as conn:
        again = load_pictures_and_packages(conn, [item], [package])
        load_articles(conn, [enriched(text)])
    assert (again.photos, again.packages) == (0, 0)
    assert snapshot(empty_db) == before


def test_a_newer_picture_version_replaces_the_stored_one(empty_db):
    def version(number: int, caption: str) -> Picture:
        return picture("urn:test:bilde-is", caption, "Line Moe", version=str(number),
                       created=datetime(2024, 1, number, 10, tzinfo=timezone.utc))

    older, newer = version(1, "Isen legger seg på Mjøsa."), version(2, "Isen har lagt seg på Mjøsa.")
    with psycopg.connect(empty_db) as conn:
        assert load_pictures_and_packages(conn, [older], []).photos == 1
        assert load_pictures_and_packages(conn, [newer], []).photos == 1
        assert load_pictures_and_packages(conn, [older], []).photos == 0
    assert rows(empty_db, "SELECT caption, version, photographers, agencies FROM news.live_photos") == [
        ("Isen har lagt seg på Mjøsa.", "2", ["Line Moe"], ["NTB"])]
