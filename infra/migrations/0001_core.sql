-- Core schema: one row per article, its parts in child tables, and the bookkeeping of runs.
-- Children are deleted with their article, so an article is only ever whole or absent.

CREATE SCHEMA IF NOT EXISTS news;

CREATE TABLE news.articles (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash         text NOT NULL UNIQUE,          -- sha256 of title + body
    source_uri           text NOT NULL,
    source_format        text NOT NULL,
    external_id          text,
    title                text,
    lede                 text,
    body                 text NOT NULL,
    raw_text             text NOT NULL,                 -- the source text as decoded, verbatim
    published            timestamptz,
    published_precision  text CHECK (published_precision IN ('year', 'month', 'day', 'second')),
    authors              text[] NOT NULL DEFAULT '{}',
    tags                 text[] NOT NULL DEFAULT '{}',
    language             text NOT NULL,                 -- nb | nn | other
    language_confidence  real NOT NULL,
    word_count           integer NOT NULL,
    keywords             text[] NOT NULL DEFAULT '{}',
    model_name           text NOT NULL,
    model_version        text NOT NULL,
    ner_degraded         boolean NOT NULL DEFAULT false,
    extractor_version    text NOT NULL,
    ingested_at          timestamptz NOT NULL DEFAULT now(),
    search               tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('norwegian', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('norwegian', coalesce(lede, '')), 'B') ||
        setweight(to_tsvector('norwegian', body), 'C')
    ) STORED
);
CREATE INDEX articles_search_idx ON news.articles USING gin (search);
CREATE INDEX articles_published_idx ON news.articles (published);
CREATE INDEX articles_source_uri_idx ON news.articles (source_uri);

CREATE TABLE news.segments (
    article_id  bigint NOT NULL REFERENCES news.articles (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    kind        text NOT NULL CHECK (kind IN (
                    'title', 'lede', 'paragraph', 'subheading', 'quote',
                    'caption', 'credit', 'link', 'byline')),
    text        text NOT NULL,
    raw         text NOT NULL,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX segments_kind_idx ON news.segments (kind);

CREATE TABLE news.captions (
    article_id     bigint NOT NULL REFERENCES news.articles (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    label          text,
    text           text NOT NULL,
    photographers  text[] NOT NULL DEFAULT '{}',
    agencies       text[] NOT NULL DEFAULT '{}',
    credit_raw     text,
    PRIMARY KEY (article_id, position),
    FOREIGN KEY (article_id, position) REFERENCES news.segments (article_id, position) ON DELETE CASCADE
);
CREATE INDEX captions_photographers_idx ON news.captions USING gin (photographers);
CREATE INDEX captions_agencies_idx ON news.captions USING gin (agencies);

CREATE TABLE news.sentences (
    article_id        bigint NOT NULL REFERENCES news.articles (id) ON DELETE CASCADE,
    sentence_index    integer NOT NULL,
    segment_position  integer NOT NULL,
    char_start        integer NOT NULL,
    char_end          integer NOT NULL,
    text              text NOT NULL,
    tokens            text[] NOT NULL,
    lemmas            text[] NOT NULL,
    pos               text[] NOT NULL,
    PRIMARY KEY (article_id, sentence_index),
    FOREIGN KEY (article_id, segment_position) REFERENCES news.segments (article_id, position) ON DELETE CASCADE
);

CREATE TABLE news.entities (
    article_id        bigint NOT NULL REFERENCES news.articles (id) ON DELETE CASCADE,
    segment_position  integer NOT NULL,
    segment_kind      text NOT NULL,
    text              text NOT NULL,
    label             text NOT NULL,
    canonical         text NOT NULL,
    char_start        integer NOT NULL,
    char_end          integer NOT NULL,
    sentence_index    integer NOT NULL,
    PRIMARY KEY (article_id, segment_position, char_start),
    FOREIGN KEY (article_id, segment_position) REFERENCES news.segments (article_id, position) ON DELETE CASCADE
);
CREATE INDEX entities_canonical_idx ON news.entities (canonical, label);

CREATE TABLE news.quotes (
    article_id         bigint NOT NULL REFERENCES news.articles (id) ON DELETE CASCADE,
    position           integer NOT NULL,
    quote_index        integer NOT NULL,     -- a paragraph can hold more than one quote
    text               text NOT NULL,
    speaker            text,                 -- as written: "Putin", "han"
    speaker_canonical  text,                 -- resolved within the article: "Vladimir Putin"
    PRIMARY KEY (article_id, quote_index),
    FOREIGN KEY (article_id, position) REFERENCES news.segments (article_id, position) ON DELETE CASCADE
);
CREATE INDEX quotes_speaker_idx ON news.quotes (speaker_canonical);

CREATE TABLE news.ingest_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_run_id    uuid,
    flow_name      text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    state          text NOT NULL DEFAULT 'running',   -- running | completed | failed
    files_seen     integer NOT NULL DEFAULT 0,
    articles_seen  integer NOT NULL DEFAULT 0,
    articles_new   integer NOT NULL DEFAULT 0,
    duplicates     integer NOT NULL DEFAULT 0,
    skipped        integer NOT NULL DEFAULT 0,      -- not articles (a front page), on purpose
    failed         integer NOT NULL DEFAULT 0
);

CREATE TABLE news.ingest_failures (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint REFERENCES news.ingest_runs (id) ON DELETE SET NULL,
    source       text NOT NULL,
    stage        text NOT NULL,                     -- read | split | enrich | load
    outcome      text NOT NULL DEFAULT 'failed' CHECK (outcome IN ('failed', 'skipped')),
    reason       text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_failures_at_idx ON news.ingest_failures (at);
