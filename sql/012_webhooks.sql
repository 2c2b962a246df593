-- 012: webhooks (design.md, stage two, "Review, corroboration and alerts").
-- Subscriptions, the durable outbox the deliverer sends from, and what the
-- event decider last saw of each corridor.  The outbox and the decider's
-- state are operational, not evidence: the daemon updates them (reports
-- stay append-only).

CREATE TABLE supplywatch.webhooks (
	id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	url         text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
	events      text[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY[
			'corridor.status_changed', 'blockade.started', 'blockade.ended',
			'disruption.started', 'disruption.ended', 'source.silent']::text[]),
	corridors   text[] NOT NULL DEFAULT '{}',	-- empty: every corridor
	format      text NOT NULL DEFAULT 'standard' CHECK (format IN ('standard', 'text')),
	lang        text NOT NULL DEFAULT 'en' CHECK (lang ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$'),
	secret      text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+=*$'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	removed_at  timestamptz
);

-- A set as a canonical array (sorted, without repeats), for comparing sets.
CREATE FUNCTION supplywatch.text_set(a text[]) RETURNS text[]
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') FROM unnest(a) x $$;

-- The CLI refuses a duplicate with a clear message; this is the backstop.
CREATE UNIQUE INDEX webhooks_active_unique ON supplywatch.webhooks
	(url, format, supplywatch.text_set(events), supplywatch.text_set(corridors))
	WHERE removed_at IS NULL;

-- One row per message to one subscription; id is the delivery order.
CREATE TABLE supplywatch.webhook_outbox (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook          integer NOT NULL REFERENCES supplywatch.webhooks (id),
	msg_id           text NOT NULL UNIQUE,		-- the webhook-id header, the same on every attempt
	event            text NOT NULL,
	corridor_id      text,
	body             text NOT NULL,			-- the exact bytes signed and posted
	created_at       timestamptz NOT NULL DEFAULT now(),
	attempts         integer NOT NULL DEFAULT 0,
	next_attempt_at  timestamptz NOT NULL DEFAULT now(),
	delivered_at     timestamptz,
	last_status      integer,			-- HTTP status of the last attempt; null: none
	last_error       text
);

CREATE INDEX webhook_outbox_pending ON supplywatch.webhook_outbox (webhook, id)
	WHERE delivered_at IS NULL;

-- What the decider last saw of each corridor (key/value pairs; see core/webhook.h).
CREATE TABLE supplywatch.webhook_state (
	corridor_id  text NOT NULL,
	key          text NOT NULL,
	value        text NOT NULL,
	PRIMARY KEY (corridor_id, key)
);

GRANT SELECT ON supplywatch.webhooks TO supplywatch_ingest;
-- DELETE: the deliverer prunes what webhooks.keep_days no longer keeps.
GRANT SELECT, INSERT, UPDATE, DELETE ON supplywatch.webhook_outbox TO supplywatch_ingest;
GRANT SELECT, INSERT, DELETE ON supplywatch.webhook_state TO supplywatch_ingest;
GRANT EXECUTE ON FUNCTION supplywatch.text_set(text[]) TO supplywatch_ingest;

-- For analysts: what was sent and when.  Never the secret nor the URL (a chat
-- service's incoming-webhook URL is itself a secret).
CREATE VIEW analytics.webhook_deliveries AS
SELECT o.id, o.webhook, o.msg_id, o.event, o.corridor_id AS corridor, o.created_at,
       o.attempts, o.delivered_at, o.last_status, o.last_error
  FROM supplywatch.webhook_outbox o;
COMMENT ON VIEW analytics.webhook_deliveries IS 'Webhook messages, one row per message to one subscription, in delivery order; delivered_at is null while pending (docs/webhooks.md).';
COMMENT ON COLUMN analytics.webhook_deliveries.id IS 'The message''s place in the delivery order.';
COMMENT ON COLUMN analytics.webhook_deliveries.webhook IS 'The subscription''s id (supplywatch webhook list).';
COMMENT ON COLUMN analytics.webhook_deliveries.msg_id IS 'The webhook-id header: the same on every attempt, for receivers to deduplicate.';
COMMENT ON COLUMN analytics.webhook_deliveries.event IS 'The event: corridor.status_changed, blockade.started, blockade.ended, disruption.started, disruption.ended or source.silent.';
COMMENT ON COLUMN analytics.webhook_deliveries.corridor IS 'The corridor the event concerns.';
COMMENT ON COLUMN analytics.webhook_deliveries.created_at IS 'When the event was decided.';
COMMENT ON COLUMN analytics.webhook_deliveries.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN analytics.webhook_deliveries.delivered_at IS 'When a receiver answered 2xx; null while pending.';
COMMENT ON COLUMN analytics.webhook_deliveries.last_status IS 'The HTTP status of the last attempt; null when none came (no connection, a timeout, a refused private address).';
COMMENT ON COLUMN analytics.webhook_deliveries.last_error IS 'Why the last attempt failed; null once delivered.';
GRANT SELECT ON analytics.webhook_deliveries TO supplywatch_analyst;
