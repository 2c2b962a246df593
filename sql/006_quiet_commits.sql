-- 006: report changes are announced per corridor, and not by daemons'
-- own commits.  A transaction that NOTIFYs takes a database-wide lock at
-- commit, held through the WAL flush, so notifying commits run one at a
-- time: at 16 concurrent submissions that cut commit-each throughput by
-- a factor of five or more.  The daemon sets supplywatch.notify = off on its
-- sessions and tells its own snapshot in process; it announces its changes
-- to other daemons once per rebuild.  Other writers (the CLI, psql, a
-- restore) still announce every change, naming the corridor, so each
-- daemon reloads only what changed.

CREATE OR REPLACE FUNCTION supplywatch.notify_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'reports' THEN
		PERFORM pg_notify('supplywatch_changed', NEW.corridor_id);
	ELSE
		PERFORM pg_notify('supplywatch_changed',
			coalesce((SELECT r.corridor_id FROM supplywatch.reports r WHERE r.id = NEW.report), ''));
	END IF;
	RETURN NULL;
END
$$;

DROP TRIGGER reports_changed ON supplywatch.reports;
DROP TRIGGER retractions_changed ON supplywatch.retractions;
-- The WHEN clause spares the daemon's batches a PL/pgSQL call per row.
CREATE TRIGGER reports_changed AFTER INSERT ON supplywatch.reports FOR EACH ROW
	WHEN (current_setting('supplywatch.notify', true) IS DISTINCT FROM 'off')
	EXECUTE FUNCTION supplywatch.notify_changed();
CREATE TRIGGER retractions_changed AFTER INSERT ON supplywatch.retractions FOR EACH ROW
	WHEN (current_setting('supplywatch.notify', true) IS DISTINCT FROM 'off')
	EXECUTE FUNCTION supplywatch.notify_changed();
