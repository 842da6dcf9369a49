-- Stories: copies of one story (the same wire text on many sites, one article in two formats)
-- share a story_id, while each copy keeps its own row. How copies are recognised:
-- nyhetsflyt/fingerprint.py (MinHash over word shingles) and nyhetsflyt/db/stories.py.

-- Who ran an article: the host of a web page, else the file (without a JSON Lines record number).
CREATE FUNCTION news.article_source(source_uri text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN source_uri ~* '^https?://' THEN lower(substring(source_uri FROM '^[A-Za-z]+://(?:[^/?#@]*@)?([^/?#:]+)'))
    ELSE regexp_replace(source_uri, '#[0-9]+$', '')
END;

-- An article is its words as one source ran them: the same words from the same web host or file
-- are one row (loading them again adds nothing), from another source another row, of the same
-- story. (Before, the words alone were the key, and a second source's copy was not stored.)
ALTER TABLE news.articles
    ADD COLUMN source text GENERATED ALWAYS AS (news.article_source(source_uri)) STORED;
ALTER TABLE news.articles DROP CONSTRAINT articles_content_hash_key;
ALTER TABLE news.articles ADD CONSTRAINT articles_copy_key UNIQUE (content_hash, source);

-- Every article a story. Until the backlog below is folded, an existing article is a story of
-- its own (story_id = its id); the next run (or `nyhetsflyt db restory`) folds copies together.
ALTER TABLE news.articles ADD COLUMN story_id bigint;
UPDATE news.articles SET story_id = id;
ALTER TABLE news.articles ALTER COLUMN story_id SET NOT NULL;
CREATE INDEX articles_story_idx ON news.articles (story_id);

-- The LSH index every worker shares: one row per band key, held by the first article that had
-- it. A key is claimed with INSERT … ON CONFLICT DO NOTHING, so a transaction claiming a key that
-- another has claimed but not committed waits for it and then sees its story: two loads of
-- copies of one story at the same moment cannot both start a story of their own. The article is
-- inserted later in the same transaction, hence the deferred check.
CREATE TABLE news.story_bands (
    band_key    bigint PRIMARY KEY,
    article_id  bigint NOT NULL
                REFERENCES news.articles (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX story_bands_article_idx ON news.story_bands (article_id);

-- Articles stored before stories existed, waiting to be fingerprinted and folded into stories.
CREATE TABLE news.story_backlog (
    article_id  bigint PRIMARY KEY REFERENCES news.articles (id) ON DELETE CASCADE
);
INSERT INTO news.story_backlog (article_id) SELECT id FROM news.articles;

-- One row per story. The representative is the earliest full copy: of the copies with at least
-- 90 % of the longest copy's words, the first published (then the first stored).
CREATE VIEW news.stories AS
SELECT s.story_id, s.copies, s.first_published, s.first_seen, r.id AS representative_id,
       r.title, s.sources
FROM (
    SELECT story_id, count(*) AS copies, min(published) AS first_published,
           min(ingested_at) AS first_seen, max(word_count) AS longest,
           array_agg(DISTINCT source ORDER BY source) AS sources
    FROM news.articles
    GROUP BY story_id
) s
CROSS JOIN LATERAL (
    SELECT a.id, a.title
    FROM news.articles a
    WHERE a.story_id = s.story_id AND a.word_count >= 0.9 * s.longest
    ORDER BY a.published NULLS LAST, a.ingested_at, a.id
    LIMIT 1
) r;

-- Entity mentions and quotes counted once per story: `mentions` and `quotes` are those of the
-- copy with the most (never the sum over copies), `copies` how many copies name the entity.
-- A quote's speaker counts as a person (PER).
CREATE VIEW news.story_entities AS
SELECT story_id, canonical, label, max(mentions) AS mentions, max(quotes) AS quotes,
       count(DISTINCT article_id) AS copies
FROM (
    SELECT a.story_id, e.article_id, e.canonical, e.label, count(*) AS mentions, 0 AS quotes
    FROM news.entities e JOIN news.articles a ON a.id = e.article_id
    GROUP BY a.story_id, e.article_id, e.canonical, e.label
    UNION ALL
    SELECT a.story_id, q.article_id, q.speaker_canonical, 'PER', 0, count(*)
    FROM news.quotes q JOIN news.articles a ON a.id = q.article_id
    WHERE q.speaker_canonical IS NOT NULL
    GROUP BY a.story_id, q.article_id, q.speaker_canonical
) per_copy
GROUP BY story_id, canonical, label;

-- The analyst role reads the new tables and views too (0004 granted only what existed then).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nyhetsflyt_analyst') THEN
        GRANT SELECT ON news.story_bands, news.story_backlog, news.stories, news.story_entities
            TO nyhetsflyt_analyst;
        GRANT EXECUTE ON FUNCTION news.article_source(text) TO nyhetsflyt_analyst;
    END IF;
END
$$;
