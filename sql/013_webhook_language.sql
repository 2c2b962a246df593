-- 013: the language of a webhook subscription's text messages (design.md,
-- stage two, "Languages"; docs/webhooks.md).  A subscription names one of
-- status.languages, or none: then its messages are written in
-- status.default_language as it is when each event is decided.  A
-- language the configuration no longer serves falls back the same way, so
-- the column holds what the operator asked for, never what was used: the
-- outbox records that, message by message.
--
-- Subscriptions added before this migration keep the language they were
-- stored with ('en' unless --lang said otherwise): their receivers go on
-- reading what they read, whatever the default language is.

ALTER TABLE supplywatch.webhooks ALTER COLUMN lang DROP NOT NULL;
ALTER TABLE supplywatch.webhooks ALTER COLUMN lang DROP DEFAULT;
-- The codes status.languages accepts (util/i18n.c, i18n_code_ok): "pt_BR" too.
ALTER TABLE supplywatch.webhooks DROP CONSTRAINT webhooks_lang_check;
ALTER TABLE supplywatch.webhooks ADD CONSTRAINT webhooks_lang_check
	CHECK (lang ~ '^[a-z]{2,8}([_-][A-Za-z0-9]{2,8})?$');

-- The language a text message was written in; null for the standard format
-- (JSON is not translated).
ALTER TABLE supplywatch.webhook_outbox ADD COLUMN lang text;

CREATE OR REPLACE VIEW analytics.webhook_deliveries AS
SELECT o.id, o.webhook, o.msg_id, o.event, o.corridor_id AS corridor, o.created_at,
       o.attempts, o.delivered_at, o.last_status, o.last_error, o.lang
  FROM supplywatch.webhook_outbox o;
COMMENT ON COLUMN analytics.webhook_deliveries.lang IS 'The language a text message was written in (the subscription''s, or the default language when it has none or the configuration no longer serves it); null for the standard format, which is not translated.';
