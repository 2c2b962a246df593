-- 005: a change to tokens or organisations is announced, so every daemon
-- empties its cache of verified tokens (daemon/authcache.h): a revoked
-- token stops working within about a second on every daemon.

CREATE FUNCTION supplywatch.notify_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('supplywatch_tokens', '');
	RETURN NULL;
END $$;

CREATE TRIGGER tokens_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON supplywatch.tokens FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.notify_tokens();
CREATE TRIGGER organisations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON supplywatch.organisations FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.notify_tokens();
