"""News agencies' items in the database (migration 0007): versions, pictures, packages.

An agency sends an item again when it changes it, under the same id and a higher version. The
loader asks `plan_versions` which incoming articles are such new versions: the article the item
already has is deleted and the new version is loaded under the same id, through the same COPY
as any new article; a version older than the one stored is only recorded. `record_versions`
then keeps every version's text in news.wire_versions and the item's status, embargo and
version count in news.wire_items, and stores the pictures each text carries.

Pictures and packages that come on their own (`load_pictures_and_packages`) are upserted by the
agency's id: a newer version replaces an older one, the same version again changes nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Generic, TypeVar

import psycopg

from nyhetsflyt.db.entities import lock_registry, names_of_articles
from nyhetsflyt.documents import Article, EnrichedArticle, Package, Picture, WireItem

# Advisory locks on agency ids live in their own key space (the two-integer form), apart from
# the loader's content-hash locks.
_ITEM_LOCKS = 0x7769  # "wi"
_LOCK_IDS = "SELECT pg_advisory_xact_lock(%s, hashtext(i)) FROM unnest(%s::text[]) AS i ORDER BY i"
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def item_id(article: Article) -> str | None:
    """The agency's id of an article's item; an item without one is known by its words."""
    if article.wire is None:
        return None
    return article.external_id or f"sha256:{article.content_hash}"


def version_order(wire: WireItem | None) -> tuple[int, datetime]:
    """Which of two versions of an item is newer: the version number, then the time it was made."""
    if wire is None:
        return -1, _EARLIEST
    label = (wire.version or "").strip()
    number = int(label) if label.isdigit() else -1
    return number, wire.version_created or _EARLIEST


def _stored_order(version: str | None, created: datetime | None) -> tuple[int, datetime]:
    return version_order(WireItem(version=version, version_created=created))


K = TypeVar("K", bound=Hashable)  # the loader's key of an article


@dataclass(slots=True)
class VersionPlan(Generic[K]):
    replaces: dict[K, int] = field(default_factory=dict)  # article -> id of the article it replaces
    superseded: set[K] = field(default_factory=set)  # articles older than a version stored or loaded
    dropped_names: list[str] = field(default_factory=list)  # registry keys of the replaced articles' mentions


def plan_versions(conn: psycopg.Connection, fresh: dict[K, EnrichedArticle]) -> VersionPlan[K]:
    """Among articles not stored yet, the agency items' new and old versions (inside the load's
    transaction). The articles the new versions replace are deleted here, with all their parts."""
    by_item: dict[str, list[K]] = {}
    for key, item in fresh.items():
        identity = item_id(item.article)
        if identity is not None:
            by_item.setdefault(identity, []).append(key)
    plan: VersionPlan[K] = VersionPlan()
    if not by_item:
        return plan
    ids = sorted(by_item)
    conn.execute(_LOCK_IDS, (_ITEM_LOCKS, ids))
    stored = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT item_id, article_id, version, version_created FROM news.wire_items WHERE item_id = ANY(%s)",
            (ids,),
        )
    }
    for identity, keys in by_item.items():
        keys.sort(key=lambda key: version_order(fresh[key].article.wire))
        newest = keys[-1]
        plan.superseded.update(keys[:-1])
        if identity not in stored:
            continue
        article_id, version, created = stored[identity]
        if _stored_order(version, created) > version_order(fresh[newest].article.wire):
            plan.superseded.add(newest)
        elif article_id is not None:
            plan.replaces[newest] = article_id
    if plan.replaces:
        lock_registry(conn)  # before the mentions go (nyhetsflyt/db/entities.py)
        plan.dropped_names = names_of_articles(conn, plan.replaces.values())
        conn.execute("DELETE FROM news.articles WHERE id = ANY(%s)", (list(plan.replaces.values()),))
    return plan


_UPSERT_ITEM = """
INSERT INTO news.wire_items (item_id, article_id, provider, agencies, byline, language, version,
                             first_created, version_created, pub_status, embargo_until)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (item_id) DO UPDATE SET
    article_id = EXCLUDED.article_id, provider = EXCLUDED.provider, agencies = EXCLUDED.agencies,
    byline = EXCLUDED.byline, language = EXCLUDED.language, version = EXCLUDED.version,
    first_created = COALESCE(news.wire_items.first_created, EXCLUDED.first_created),
    version_created = EXCLUDED.version_created, pub_status = EXCLUDED.pub_status,
    embargo_until = EXCLUDED.embargo_until, updated_at = now()
"""
# An older version seen after a newer one: the item is known already, its history grows.
_KNOW_ITEM = """
INSERT INTO news.wire_items (item_id, provider, agencies, byline, language, version, first_created,
                             version_created, pub_status, embargo_until)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (item_id) DO NOTHING
"""
_ADD_VERSION = """
INSERT INTO news.wire_versions (item_id, seen_index, version, version_created, pub_status, content_hash,
                                title, body, source_uri)
SELECT %(item)s, COALESCE(max(seen_index), 0) + 1, %(version)s, %(created)s, %(status)s, %(hash)s,
       %(title)s, %(body)s, %(uri)s
FROM news.wire_versions WHERE item_id = %(item)s
ON CONFLICT (item_id, content_hash) DO NOTHING
"""
_COUNT_VERSIONS = """
UPDATE news.wire_items w SET version_count = (SELECT count(*) FROM news.wire_versions v WHERE v.item_id = w.item_id)
WHERE item_id = ANY(%s)
"""


def _version_row(article: Article) -> dict[str, object]:
    wire = article.wire or WireItem()
    return {"item": item_id(article), "version": wire.version, "created": wire.version_created,
            "status": wire.pub_status, "hash": article.content_hash, "title": article.title,
            "body": article.body, "uri": article.source_uri}


def record_versions(
    conn: psycopg.Connection, loaded: dict[int, EnrichedArticle], superseded: Iterable[EnrichedArticle]
) -> None:
    """Agency data of the articles just loaded (id -> article) and of older versions seen."""
    current = [(article_id, item.article) for article_id, item in loaded.items() if item.article.wire is not None]
    older = sorted((item.article for item in superseded if item.article.wire is not None),
                   key=lambda article: version_order(article.wire))
    if not current and not older:
        return
    with conn.cursor() as cur:
        if current:
            cur.executemany(_UPSERT_ITEM, [
                (item_id(a), article_id, a.wire.provider, a.wire.agencies, a.wire.byline, a.language,
                 a.wire.version, a.wire.first_created, a.wire.version_created, a.wire.pub_status, a.wire.embargo)
                for article_id, a in current if a.wire is not None
            ])
        if older:
            cur.executemany(_KNOW_ITEM, [
                (item_id(a), a.wire.provider, a.wire.agencies, a.wire.byline, a.language, a.wire.version,
                 a.wire.first_created, a.wire.version_created, a.wire.pub_status, a.wire.embargo)
                for a in older if a.wire is not None
            ])
        # Older versions first: in one batch, the history reads oldest to newest.
        cur.executemany(_ADD_VERSION, [_version_row(a) for a in [*older, *(a for _, a in current)]])
        identities = sorted({str(item_id(a)) for a in [*older, *(a for _, a in current)]})
        cur.execute(_COUNT_VERSIONS, (identities,))
    carried = {str(item_id(a)): a.wire.pictures for _, a in current if a.wire is not None}
    upsert_photos(conn, [p for pictures in carried.values() for p in pictures])
    _replace_links(conn, {parent: [(p.key, "picture", None) for p in pictures] for parent, pictures in carried.items()})


def _replace_links(conn: psycopg.Connection, links: dict[str, list[tuple[str, str | None, str | None]]]) -> None:
    """Each parent's links, replaced whole: (member id, member class, group) in order."""
    if not links:
        return
    conn.execute("DELETE FROM news.item_links WHERE parent_id = ANY(%s)", (list(links),))
    with conn.cursor().copy(
        "COPY news.item_links (parent_id, position, member_id, member_class, member_group) FROM STDIN"
    ) as copy:
        for parent, members in links.items():
            seen: set[str] = set()
            for position, (member, member_class, group) in enumerate(members):
                if member not in seen:
                    seen.add(member)
                    copy.write_row((parent, position, member, member_class, group))


# -- pictures and packages ----------------------------------------------------------------------

_UPSERT_PHOTO = """
INSERT INTO news.photos (photo_key, caption, credit_raw, photographers, agencies, headline, href, language,
                         provider, version, first_created, version_created, pub_status, embargo_until,
                         source_uri, source_format)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (photo_key) DO UPDATE SET
    caption = CASE WHEN EXCLUDED.caption <> '' THEN EXCLUDED.caption ELSE news.photos.caption END,
    credit_raw = COALESCE(EXCLUDED.credit_raw, news.photos.credit_raw),
    photographers = CASE WHEN cardinality(EXCLUDED.photographers) > 0 OR EXCLUDED.credit_raw IS NOT NULL
                         THEN EXCLUDED.photographers ELSE news.photos.photographers END,
    agencies = CASE WHEN cardinality(EXCLUDED.agencies) > 0 OR EXCLUDED.credit_raw IS NOT NULL
                    THEN EXCLUDED.agencies ELSE news.photos.agencies END,
    headline = COALESCE(EXCLUDED.headline, news.photos.headline),
    href = COALESCE(EXCLUDED.href, news.photos.href),
    language = COALESCE(EXCLUDED.language, news.photos.language),
    provider = COALESCE(EXCLUDED.provider, news.photos.provider),
    version = EXCLUDED.version, first_created = COALESCE(news.photos.first_created, EXCLUDED.first_created),
    version_created = EXCLUDED.version_created, pub_status = EXCLUDED.pub_status,
    embargo_until = EXCLUDED.embargo_until, source_uri = EXCLUDED.source_uri,
    source_format = EXCLUDED.source_format, loaded_at = now()
"""


def _newest(candidates: Iterable[Picture | Package]) -> dict[str, Picture | Package]:
    newest: dict[str, Picture | Package] = {}
    for candidate in candidates:
        key = candidate.key if isinstance(candidate, Picture) else candidate.item_id
        if key not in newest or version_order(candidate.wire) > version_order(newest[key].wire):
            newest[key] = candidate
    return newest


_STORED_PHOTOS = "SELECT photo_key, version, version_created FROM news.photos WHERE photo_key = ANY(%s)"
_STORED_PACKAGES = "SELECT item_id, version, version_created FROM news.packages WHERE item_id = ANY(%s)"


def _newer(candidates: dict[str, Picture | Package],
           stored_rows: Iterable[tuple[str, str | None, datetime | None]]) -> list[Picture | Package]:
    """The candidates that are new, or newer than the version stored."""
    stored = {key: _stored_order(version, created) for key, version, created in stored_rows}
    return [c for key, c in candidates.items() if key not in stored or version_order(c.wire) > stored[key]]


def upsert_photos(conn: psycopg.Connection, pictures: list[Picture]) -> int:
    """Store pictures new or newer than the version stored; returns how many were written."""
    if not pictures:
        return 0
    newest = _newest(pictures)
    conn.execute(_LOCK_IDS, (_ITEM_LOCKS, sorted(newest)))  # against another loader storing them now
    stored = conn.execute(_STORED_PHOTOS, (sorted(newest),)).fetchall()
    chosen = [p for p in _newer(newest, stored) if isinstance(p, Picture)]
    if chosen:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT_PHOTO, [
                (p.key, p.caption, p.credit, p.photographers, p.agencies, p.headline, p.href, p.language,
                 p.wire.provider, p.wire.version, p.wire.first_created, p.wire.version_created,
                 p.wire.pub_status, p.wire.embargo, p.source_uri, p.source_format)
                for p in chosen
            ])
    return len(chosen)


_UPSERT_PACKAGE = """
INSERT INTO news.packages (item_id, headline, provider, version, version_created, pub_status, embargo_until,
                           source_uri, source_format)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (item_id) DO UPDATE SET
    headline = EXCLUDED.headline, provider = EXCLUDED.provider, version = EXCLUDED.version,
    version_created = EXCLUDED.version_created, pub_status = EXCLUDED.pub_status,
    embargo_until = EXCLUDED.embargo_until, source_uri = EXCLUDED.source_uri,
    source_format = EXCLUDED.source_format, loaded_at = now()
"""


def upsert_packages(conn: psycopg.Connection, packages: list[Package]) -> int:
    if not packages:
        return 0
    newest = _newest(packages)
    conn.execute(_LOCK_IDS, (_ITEM_LOCKS, sorted(newest)))
    stored = conn.execute(_STORED_PACKAGES, (sorted(newest),)).fetchall()
    chosen = [k for k in _newer(newest, stored) if isinstance(k, Package)]
    if chosen:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT_PACKAGE, [
                (k.item_id, k.headline, k.wire.provider, k.wire.version, k.wire.version_created,
                 k.wire.pub_status, k.wire.embargo, k.source_uri, k.source_format)
                for k in chosen
            ])
        _replace_links(conn, {k.item_id: [(m.item_id, m.item_class, m.group) for m in k.members] for k in chosen})
    return len(chosen)


@dataclass(slots=True)
class WireExtrasResult:
    photos: int = 0  # pictures stored: new, or newer versions
    packages: int = 0


def load_pictures_and_packages(conn: psycopg.Connection, pictures: list[Picture],
                               packages: list[Package]) -> WireExtrasResult:
    """Pictures and packages an agency sent on their own, in one transaction."""
    result = WireExtrasResult()
    if not pictures and not packages:
        return result
    with conn.transaction():
        result.photos = upsert_photos(conn, pictures)
        result.packages = upsert_packages(conn, packages)
    return result
