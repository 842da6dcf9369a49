-- Language identification names five languages (nb, nn, da, sv, en) and `other`. Only Bokmål and
-- Nynorsk go through the Norwegian model; an article in another language is stored with its
-- language and `ner_run` false: no sentences, entities or keywords were made for it.
-- Articles already stored were all run through the model: true.

ALTER TABLE news.articles ADD COLUMN IF NOT EXISTS ner_run boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN news.articles.language IS 'nb | nn | da | sv | en | other, as the text reads (lingua)';
COMMENT ON COLUMN news.articles.ner_run IS 'false: a language the Norwegian model does not read; no sentences, entities or keywords';
