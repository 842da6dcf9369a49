-- News agencies' items (NITF, NewsML-G2, ninjs): each article's agency id and version, the
-- history of its versions, its publication status and embargo; pictures as data of their own,
-- packages, and the links between items. Keyed by the agency's id, not the article's: a new
-- version of an item replaces its article under the same article id, and its history stays.

CREATE TABLE news.wire_items (
    item_id          text PRIMARY KEY,          -- the agency's id (guid, uri, NTB-ID), else 'sha256:<content hash>'
    article_id       bigint UNIQUE REFERENCES news.articles (id) ON DELETE SET NULL,
    provider         text,                      -- the agency: NTB, TT, Reuters
    agencies         text[] NOT NULL DEFAULT '{}',  -- agencies credited: provider and byline (NTB-AFP-DPA)
    byline           text,                      -- as written
    language         text,                      -- as declared, ISO 639-1 (nb, nn, sv); null if unsaid
    version          text,                      -- the agency's label of the version stored
    version_count    integer NOT NULL DEFAULT 1,   -- versions seen (rows in news.wire_versions)
    first_created    timestamptz,
    version_created  timestamptz,
    pub_status       text NOT NULL DEFAULT 'usable' CHECK (pub_status IN ('usable', 'withheld', 'canceled')),
    embargo_until    timestamptz,               -- not to be shown before this time
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wire_items_provider_idx ON news.wire_items (provider);

-- Every version of an item loaded, the current one included, in the order they were seen.
CREATE TABLE news.wire_versions (
    item_id          text NOT NULL REFERENCES news.wire_items (item_id) ON DELETE CASCADE,
    seen_index       integer NOT NULL,          -- 1, 2, … in the order loaded (an older version may come later)
    version          text,
    version_created  timestamptz,
    pub_status       text NOT NULL,
    content_hash     text NOT NULL,
    title            text,
    body             text NOT NULL,
    source_uri       text NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, seen_index),
    UNIQUE (item_id, content_hash)
);

-- Pictures: a picture item on its own, or one a text item carries (association, figure, media).
CREATE TABLE news.photos (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    photo_key        text NOT NULL UNIQUE,      -- the agency's id, else 'sha256:' of caption and credit
    caption          text NOT NULL,
    credit_raw       text,                      -- as stated: 'MARKO DJURICA / REUTERS'
    photographers    text[] NOT NULL DEFAULT '{}',
    agencies         text[] NOT NULL DEFAULT '{}',
    headline         text,
    href             text,                      -- where the agency serves it (largest rendition)
    language         text,
    provider         text,
    version          text,
    first_created    timestamptz,
    version_created  timestamptz,
    pub_status       text NOT NULL DEFAULT 'usable' CHECK (pub_status IN ('usable', 'withheld', 'canceled')),
    embargo_until    timestamptz,
    source_uri       text NOT NULL,
    source_format    text NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photos_photographers_idx ON news.photos USING gin (photographers);
CREATE INDEX photos_agencies_idx ON news.photos USING gin (agencies);

-- Packages: which items an agency sends as one story (Reuters, TT).
CREATE TABLE news.packages (
    item_id          text PRIMARY KEY,
    headline         text,
    provider         text,
    version          text,
    version_created  timestamptz,
    pub_status       text NOT NULL DEFAULT 'usable' CHECK (pub_status IN ('usable', 'withheld', 'canceled')),
    embargo_until    timestamptz,
    source_uri       text NOT NULL,
    source_format    text NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now()
);

-- What an item holds: a package's members, or the pictures a text item carries. Members are
-- named by their agency id (a photo by its photo_key), whether loaded yet or not: packages
-- and their items arrive in separate files, in any order.
CREATE TABLE news.item_links (
    parent_id     text NOT NULL,                -- a package's or a text item's id
    position      integer NOT NULL,
    member_id     text NOT NULL,
    member_class  text,                         -- text | picture | composite | …, when stated
    member_group  text,                         -- the package group: main, sidebars, …
    PRIMARY KEY (parent_id, position)
);
CREATE INDEX item_links_member_idx ON news.item_links (member_id);

-- Which photos go with which article: those the text carries, and those its package puts beside it.
CREATE VIEW news.article_photos AS
SELECT w.article_id, p.id AS photo_id, l.position, 'item'::text AS via
FROM news.wire_items w
JOIN news.item_links l ON l.parent_id = w.item_id
JOIN news.photos p ON p.photo_key = l.member_id
WHERE w.article_id IS NOT NULL
UNION
SELECT w.article_id, p.id AS photo_id, picture.position, 'package'::text AS via
FROM news.packages k
JOIN news.item_links text_link ON text_link.parent_id = k.item_id
JOIN news.wire_items w ON w.item_id = text_link.member_id
JOIN news.item_links picture ON picture.parent_id = k.item_id
JOIN news.photos p ON p.photo_key = picture.member_id
WHERE w.article_id IS NOT NULL;

-- What may be shown now: every article but agency items withheld, canceled or under embargo.
CREATE VIEW news.live_articles AS
SELECT a.*
FROM news.articles a
LEFT JOIN news.wire_items w ON w.article_id = a.id
WHERE w.item_id IS NULL
   OR (w.pub_status = 'usable' AND (w.embargo_until IS NULL OR w.embargo_until <= now()));

CREATE VIEW news.live_photos AS
SELECT * FROM news.photos
WHERE pub_status = 'usable' AND (embargo_until IS NULL OR embargo_until <= now());
