-- What a web page declares about its article beyond its text: filled for HTML sources, null
-- for every other source (and for articles stored before this migration).
ALTER TABLE news.articles
    ADD COLUMN IF NOT EXISTS canonical_url     text,     -- the page's canonical URL, else its og:url
    ADD COLUMN IF NOT EXISTS paywalled         boolean,  -- true: only what the page showed is stored
    ADD COLUMN IF NOT EXISTS section           text,     -- as the page names it: Nyheter, sport
    ADD COLUMN IF NOT EXISTS declared_language text,     -- as the page declares it: nb-NO, no, nn
    ADD COLUMN IF NOT EXISTS extraction_layer  text;     -- which layer read the body: site:nrk, generic, …

CREATE INDEX IF NOT EXISTS articles_canonical_url_idx ON news.articles (canonical_url)
    WHERE canonical_url IS NOT NULL;
