-- Every article's shingle set, kept for the story check (nyhetsflyt/db/stories.py). A new
-- article's candidate stories are checked against their fullest copies' shingles; read from
-- here, a candidate costs a short array, not its body fetched and cut into shingles again, so
-- the cost of a load stays flat however many candidates a large archive turns up.
--
-- shingles: the distinct 32-bit hashes of the body's word shingles (nyhetsflyt.fingerprint.
-- shingle_hashes), sorted, 4 bytes each, little-endian (fingerprint.pack_hashes): a few hundred
-- per article, written and read in one piece. Random bytes do not compress, so no compression
-- is tried.
-- The article is inserted later in the loading transaction than its print, hence the deferred check.
CREATE TABLE news.story_prints (
    article_id  bigint PRIMARY KEY
                REFERENCES news.articles (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    shingles    bytea NOT NULL
);
ALTER TABLE news.story_prints ALTER COLUMN shingles SET STORAGE EXTERNAL;

-- Articles stored before this migration have no print yet: the next run (or `nyhetsflyt db
-- restory`) makes them, oldest first. Until then a candidate without one is read from its body.
CREATE TABLE news.story_print_backlog (
    article_id  bigint PRIMARY KEY REFERENCES news.articles (id) ON DELETE CASCADE
);
INSERT INTO news.story_print_backlog (article_id) SELECT id FROM news.articles;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nyhetsflyt_analyst') THEN
        GRANT SELECT ON news.story_prints, news.story_print_backlog TO nyhetsflyt_analyst;
    END IF;
END
$$;
