-- Source quality and the analyst layer: which run loaded each article, what a "source" is, one
-- row of quality figures per run and source, and documented views for analysts.

-- A source is where articles come from, named from the article's URI alone so that every
-- table can be grouped by it: a web page's host (lower case, without "www."), or for a file the
-- folder it lay in (a JSON Lines record `path#N` belongs to the file's folder).
CREATE FUNCTION news.source_of(uri text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT CASE
        WHEN uri ~* '^[a-z][a-z0-9+.-]*://' THEN
            regexp_replace(lower(substring(uri FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#]+)')),
                           '^www\.', '')
        ELSE (SELECT CASE WHEN strpos(path, '/') = 0 THEN '.'
                          ELSE coalesce(nullif(regexp_replace(path, '/[^/]*$', ''), ''), '/') END
              FROM (SELECT regexp_replace(uri, '#[^/]*$', '') AS path) AS file)
    END
$$;

-- The day an article belongs to in Norway: its publication day, or the day it was ingested
-- where the source gives no date.
CREATE FUNCTION news.article_day(published timestamptz, ingested_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (coalesce(published, ingested_at) AT TIME ZONE 'Europe/Oslo')::date
$$;

ALTER TABLE news.articles
    ADD COLUMN run_id bigint REFERENCES news.ingest_runs (id) ON DELETE SET NULL;
CREATE INDEX articles_run_idx ON news.articles (run_id);
CREATE INDEX articles_source_idx ON news.articles (news.source_of(source_uri));
-- Exports walk articles in time order, a day at a time.
CREATE INDEX articles_when_idx ON news.articles ((coalesce(published, ingested_at)));
CREATE INDEX ingest_failures_run_idx ON news.ingest_failures (run_id);

-- One row per run and source: what the run brought from it, measured the same way every time,
-- so a source can be compared with its own history (nyhetsflyt/quality/, docs/quality.md).
CREATE TABLE news.source_quality (
    run_id                   bigint NOT NULL REFERENCES news.ingest_runs (id) ON DELETE CASCADE,
    source                   text NOT NULL,
    flow_name                text NOT NULL,
    measured_at              timestamptz NOT NULL DEFAULT now(),
    articles                 integer NOT NULL,   -- new articles loaded
    refused                  integer NOT NULL,   -- pages or records left out on purpose (not an article)
    failed                   integer NOT NULL,   -- could not be read, split, enriched or loaded
    words_per_article        real,               -- null without articles
    caption_share            real,               -- share of articles with at least one caption
    captions                 integer NOT NULL,
    credit_share             real,               -- share of captions with a photo credit
    entities_per_1000_words  real,               -- named-entity mentions in the text (not captions)
    language_mix             jsonb NOT NULL DEFAULT '{}',  -- articles per news.articles.language
    story_copy_share         real,               -- share that were copies of a known story
    fetches                  integer NOT NULL,
    fetch_4xx                integer NOT NULL,
    fetch_5xx                integer NOT NULL,
    fetch_timeouts           integer NOT NULL,
    fetch_robots             integer NOT NULL,
    fetch_other_errors       integer NOT NULL,   -- connection errors, size limits, redirect loops…
    drift                    jsonb NOT NULL DEFAULT '[]',  -- figures outside the source's baseline
    PRIMARY KEY (run_id, source)
);
CREATE INDEX source_quality_source_idx ON news.source_quality (source, run_id);

-- ---------------------------------------------------------------------------- analyst views
-- Documented with an example query each in docs/analysts.md.

-- One row per article with its source, story and counts of its parts.
CREATE VIEW news.article_overview AS
SELECT a.id,
       news.article_day(a.published, a.ingested_at) AS day,
       a.published,
       a.ingested_at,
       a.run_id,
       news.source_of(a.source_uri) AS source,
       a.source_format,
       a.source_uri,
       a.external_id,
       a.title,
       a.language,
       a.word_count,
       a.story_id,
       (SELECT count(*) FROM news.segments s WHERE s.article_id = a.id AND s.kind = 'paragraph') AS paragraphs,
       (SELECT count(*) FROM news.captions c WHERE c.article_id = a.id) AS captions,
       (SELECT count(*) FROM news.captions c WHERE c.article_id = a.id
          AND (c.credit_raw IS NOT NULL OR cardinality(c.photographers) > 0 OR cardinality(c.agencies) > 0))
           AS credited_captions,
       (SELECT count(*) FROM news.entities e WHERE e.article_id = a.id
          AND e.segment_kind NOT IN ('caption', 'credit')) AS entities,
       (SELECT count(*) FROM news.entities e WHERE e.article_id = a.id
          AND e.segment_kind IN ('caption', 'credit')) AS caption_entities,
       (SELECT count(*) FROM news.quotes q WHERE q.article_id = a.id) AS quotes,
       (SELECT count(*) FROM news.quotes q WHERE q.article_id = a.id AND q.speaker_canonical IS NOT NULL)
           AS attributed_quotes
FROM news.articles a;

-- One row per photo caption or bare credit, with its parsed photographers and agencies.
CREATE VIEW news.caption_credits AS
SELECT c.article_id,
       c.position,
       news.article_day(a.published, a.ingested_at) AS day,
       news.source_of(a.source_uri) AS source,
       a.title AS article_title,
       c.label,
       c.text,
       c.credit_raw,
       c.photographers,
       c.agencies,
       (c.credit_raw IS NOT NULL OR cardinality(c.photographers) > 0 OR cardinality(c.agencies) > 0)
           AS credited
FROM news.captions c
JOIN news.articles a ON a.id = c.article_id;

-- One row per named-entity mention, with the sentence it stands in.
CREATE VIEW news.entity_mentions AS
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
       a.title AS article_title
FROM news.entities e
JOIN news.articles a ON a.id = e.article_id
LEFT JOIN news.sentences s ON s.article_id = e.article_id AND s.sentence_index = e.sentence_index;

-- One row per quote, with the speaker as written and the person it resolves to.
CREATE VIEW news.quote_speakers AS
SELECT q.article_id,
       q.quote_index,
       q.position,
       q.text,
       q.speaker,
       q.speaker_canonical,
       news.article_day(a.published, a.ingested_at) AS day,
       news.source_of(a.source_uri) AS source,
       a.title AS article_title
FROM news.quotes q
JOIN news.articles a ON a.id = q.article_id;

-- Articles and their parts per day and source.
CREATE VIEW news.daily_source_counts AS
SELECT day,
       source,
       count(*) AS articles,
       sum(word_count) AS words,
       sum(captions) AS captions,
       sum(credited_captions) AS credited_captions,
       sum(entities) AS entities,
       sum(quotes) AS quotes
FROM news.article_overview
GROUP BY day, source;
