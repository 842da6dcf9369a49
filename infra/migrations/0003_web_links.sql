-- Tie the web tables to the rest: the article a fetched page became, and the run (and kind of
-- document) each fetch belonged to, so a run's fetches can be counted from the log.

-- Ids written before the constraint existed may point at articles deleted since.
UPDATE news.url_state s SET article_id = NULL
WHERE article_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM news.articles a WHERE a.id = s.article_id);

ALTER TABLE news.url_state
    ADD CONSTRAINT url_state_article_fk
    FOREIGN KEY (article_id) REFERENCES news.articles (id) ON DELETE SET NULL;

ALTER TABLE news.fetch_log
    ADD COLUMN kind   text CHECK (kind IN ('feed', 'sitemap', 'urls', 'page')),
    ADD COLUMN run_id bigint REFERENCES news.ingest_runs (id) ON DELETE SET NULL;
CREATE INDEX fetch_log_run_idx ON news.fetch_log (run_id);
