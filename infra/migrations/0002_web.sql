-- Web sources: the feeds and sitemaps to poll, what we know about every fetched URL (for
-- conditional GETs and change detection), and a log of every fetch attempt.

CREATE TABLE news.sources (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             text NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('feed', 'sitemap', 'urls')),
    name            text,
    active          boolean NOT NULL DEFAULT true,
    added_at        timestamptz NOT NULL DEFAULT now(),
    last_polled_at  timestamptz
);

CREATE TABLE news.url_state (
    url              text PRIMARY KEY,
    etag             text,
    last_modified    text,                  -- the server's HTTP-date, verbatim, to echo back
    content_hash     text,                  -- sha256 hex of the last body
    last_status      integer,               -- null when no response came
    last_outcome     text,
    last_fetched_at  timestamptz NOT NULL DEFAULT now(),
    article_id       bigint                 -- the article made from this page, once loaded
);
CREATE INDEX url_state_article_idx ON news.url_state (article_id);

CREATE TABLE news.fetch_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         text NOT NULL,
    final_url   text,
    status      integer,
    outcome     text NOT NULL CHECK (outcome IN (
        'ok', 'not_modified', 'unchanged', 'not_found', 'gone', 'robots_disallowed',
        'too_large', 'timeout', 'http_error', 'connection_error', 'redirect_loop',
        'refused_scheme', 'refused_private', 'truncated')),
    bytes       bigint NOT NULL DEFAULT 0,
    elapsed_ms  integer NOT NULL,
    attempts    integer NOT NULL,
    error       text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fetch_log_url_at_idx ON news.fetch_log (url, at);
CREATE INDEX fetch_log_at_idx ON news.fetch_log (at);
