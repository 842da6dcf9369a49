-- The entity registry: one row per canonical entity across all articles, and each mention linked
-- to it (news.entities.entity_id).
--
-- Within an article a mention already has its canonical name (`Putins`, `Putin` -> `Vladimir Putin`,
-- nyhetsflyt/nlp/canonical.py). Across articles, names are the same entity when their key is the
-- same (news.entity_key: case and spacing do not count), and a one-word name (`Putin`) is the
-- entity of the one full name that ends in it (`Vladimir Putin`) when both are mostly tagged PER
-- and exactly one such full name is known; with two (`Anna Putin` too) it stays its own entity.
-- Such a one-word name keeps its row, with `same_as` pointing to the full name's.
--
-- An entity's `label` is the type most of its mentions carry (each mention keeps its own in
-- news.entities.label); `variants` are the forms its mentions are written in; `mentions`,
-- `articles` and `stories` count them. news.refresh_entity_names keeps all of it right for the
-- names a change touches; the loader and re-enrichment call it in their own transaction, under
-- one advisory lock, so two loads at once never count or link on a stale view.

CREATE FUNCTION news.entity_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(btrim(regexp_replace(name, '\s+', ' ', 'g')));

CREATE TABLE news.entity_names (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name_key   text NOT NULL UNIQUE,                 -- news.entity_key(name)
    name       text NOT NULL,                        -- as most often written when first seen
    last_word  text GENERATED ALWAYS AS (regexp_replace(name_key, '^.* ', '')) STORED,
    same_as    bigint REFERENCES news.entity_names (id),  -- a one-word name folded into a full name
    label      text,                                 -- the type most of its mentions carry
    variants   text[] NOT NULL DEFAULT '{}',         -- as its mentions are written: Putin, Putins, Vladimir Putin
    mentions   integer NOT NULL DEFAULT 0,
    articles   integer NOT NULL DEFAULT 0,
    stories    integer NOT NULL DEFAULT 0,
    CHECK (same_as IS DISTINCT FROM id)
);
CREATE INDEX entity_names_last_word_idx ON news.entity_names (last_word);
CREATE INDEX entity_names_same_as_idx ON news.entity_names (same_as) WHERE same_as IS NOT NULL;

ALTER TABLE news.entities ADD COLUMN entity_id bigint REFERENCES news.entity_names (id);
CREATE INDEX entities_entity_idx ON news.entities (entity_id);
CREATE INDEX entities_key_idx ON news.entities (news.entity_key(canonical));

-- Bring the registry up to date for the mentions of `article_ids` and the names in `name_keys`
-- (the names of mentions just deleted). NULL for both: every name there is. The sets of names
-- are temporary tables, so that a large refresh joins by hash instead of scanning arrays.
CREATE FUNCTION news.refresh_entity_names(article_ids bigint[], name_keys text[] DEFAULT '{}')
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7234958104);  -- one refresher at a time (nyhetsflyt/db/entities.py)
    DROP TABLE IF EXISTS pg_temp.entity_changed, pg_temp.entity_family;
    CREATE TEMP TABLE entity_changed (name_key text PRIMARY KEY) ON COMMIT DROP;
    CREATE TEMP TABLE entity_family (name_key text PRIMARY KEY) ON COMMIT DROP;
    IF article_ids IS NULL AND name_keys IS NULL THEN
        INSERT INTO entity_changed
        SELECT news.entity_key(canonical) FROM news.entities UNION SELECT name_key FROM news.entity_names;
    ELSE
        INSERT INTO entity_changed
        SELECT news.entity_key(canonical) FROM news.entities WHERE article_id = ANY(article_ids)
        UNION SELECT unnest(coalesce(name_keys, '{}'));
    END IF;
    ANALYZE entity_changed;

    -- A new name is shown as it is most often written (in these articles: a name met before has
    -- its row already).
    INSERT INTO news.entity_names (name_key, name)
    SELECT news.entity_key(e.canonical), mode() WITHIN GROUP (ORDER BY e.canonical)
    FROM news.entities e
    WHERE article_ids IS NULL OR e.article_id = ANY(article_ids)
    GROUP BY 1
    ORDER BY 1
    ON CONFLICT (name_key) DO NOTHING;

    -- Every name whose link or counts can change: the changed names, the one-word names they end
    -- in, and the full names ending in any of those.
    INSERT INTO entity_family
    SELECT name_key FROM entity_changed UNION SELECT regexp_replace(name_key, '^.* ', '') FROM entity_changed;
    INSERT INTO entity_family
    SELECT n.name_key FROM news.entity_names n JOIN entity_family f ON f.name_key = n.last_word
    ON CONFLICT DO NOTHING;
    ANALYZE entity_family;

    -- Links: a one-word PER name to the one full PER name that ends in it, else to nothing.
    WITH own AS (
        SELECT news.entity_key(e.canonical) AS name_key, mode() WITHIN GROUP (ORDER BY e.label) AS label
        FROM news.entities e JOIN entity_family f ON f.name_key = news.entity_key(e.canonical)
        GROUP BY 1
    ), full_names AS (
        SELECT n.last_word, min(n.id) AS id, count(*) AS how_many
        FROM news.entity_names n JOIN own USING (name_key)
        WHERE own.label = 'PER' AND n.name_key LIKE '% %'
        GROUP BY n.last_word
    ), links AS (
        SELECT n.id, CASE WHEN own.label = 'PER' AND f.how_many = 1 THEN f.id END AS same_as
        FROM news.entity_names n
        JOIN entity_family USING (name_key)
        LEFT JOIN own USING (name_key)
        LEFT JOIN full_names f ON f.last_word = n.name_key
        WHERE n.name_key NOT LIKE '% %'
    )
    UPDATE news.entity_names n SET same_as = links.same_as
    FROM links WHERE n.id = links.id AND n.same_as IS DISTINCT FROM links.same_as;

    -- Each mention to its canonical entity.
    UPDATE news.entities e SET entity_id = coalesce(n.same_as, n.id)
    FROM news.entity_names n JOIN entity_family f USING (name_key)
    WHERE news.entity_key(e.canonical) = n.name_key
      AND e.entity_id IS DISTINCT FROM coalesce(n.same_as, n.id);

    -- Type, variants and counts of the canonical entities concerned; a folded name counts nothing.
    WITH concerned AS (
        SELECT coalesce(n.same_as, n.id) AS id FROM news.entity_names n JOIN entity_family USING (name_key)
        UNION SELECT n.id FROM news.entity_names n JOIN entity_family USING (name_key)
    ), figures AS (
        SELECT c.id,
               mode() WITHIN GROUP (ORDER BY e.label) AS label,
               coalesce(array_agg(DISTINCT e.text ORDER BY e.text) FILTER (WHERE e.text IS NOT NULL), '{}')
                   AS variants,
               count(e.article_id) AS mentions,
               count(DISTINCT e.article_id) AS articles,
               count(DISTINCT a.story_id) AS stories
        FROM concerned c
        LEFT JOIN news.entities e ON e.entity_id = c.id
        LEFT JOIN news.articles a ON a.id = e.article_id
        GROUP BY c.id
    )
    UPDATE news.entity_names n
    SET label = coalesce(f.label, n.label), variants = f.variants, mentions = f.mentions,
        articles = f.articles, stories = f.stories
    FROM figures f
    WHERE n.id = f.id AND (n.label, n.variants, n.mentions, n.articles, n.stories)
          IS DISTINCT FROM (coalesce(f.label, n.label), f.variants, f.mentions, f.articles, f.stories);
END
$$;

-- The mentions already stored, folded into the registry.
SELECT news.refresh_entity_names(NULL, NULL);

-- The entities an analyst counts: one row each, folded names left out.
CREATE VIEW news.entity_registry AS
SELECT id AS entity_id, name, label, variants, mentions, articles, stories
FROM news.entity_names
WHERE same_as IS NULL AND mentions > 0;

-- The mention and quote views, with the canonical entity.
CREATE OR REPLACE VIEW news.entity_mentions AS
SELECT e.article_id,
       e.segment_position,
       e.segment_kind,
       e.char_start,
       e.char_end,
       e.text,
       e.label,
       e.canonical,
       e.sentence_index,
       s.text AS sentence,
       e.segment_kind IN ('caption', 'credit') AS in_caption,
       news.article_day(a.published, a.ingested_at) AS day,
       news.source_of(a.source_uri) AS source,
       a.title AS article_title,
       e.entity_id,
       a.story_id
FROM news.entities e
JOIN news.articles a ON a.id = e.article_id
LEFT JOIN news.sentences s ON s.article_id = e.article_id AND s.sentence_index = e.sentence_index;

CREATE OR REPLACE VIEW news.quote_speakers AS
SELECT q.article_id,
       q.quote_index,
       q.position,
       q.text,
       q.speaker,
       q.speaker_canonical,
       news.article_day(a.published, a.ingested_at) AS day,
       news.source_of(a.source_uri) AS source,
       a.title AS article_title,
       (SELECT coalesce(n.same_as, n.id) FROM news.entity_names n
        WHERE n.name_key = news.entity_key(q.speaker_canonical)) AS speaker_entity_id
FROM news.quotes q
JOIN news.articles a ON a.id = q.article_id;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nyhetsflyt_analyst') THEN
        GRANT SELECT ON news.entity_names, news.entity_registry TO nyhetsflyt_analyst;
    END IF;
END
$$;
