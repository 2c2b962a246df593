-- 015: what the schema costs a bulk write (issue 15, docs/performance.md).
-- A COPY of truck reports into reports + truck_reports ran 7-8 times
-- slower than into bare tables of the same columns.  The referential
-- integrity stays guaranteed; it is checked once per statement where the
-- parents can never go away, the indexes no query needs go, and the
-- per-row triggers become per-statement ones.  docs/schema.md says which
-- query each remaining index serves.

-- ---- indexes no query needs ---------------------------------------------------------

-- A prefix of reports_corridor_kind_received (corridor_id, kind, received_at),
-- which serves every query it could.
DROP INDEX supplywatch.reports_corridor_kind;
-- The primary key (report) finds a report's row; its day is one heap
-- fetch away, and every query that reaches truck_reports reads other
-- columns of the row anyway.
DROP INDEX supplywatch.truck_reports_report_day;
-- truck_reports_day stays: the daemon never filters by day alone, but an
-- analyst's analytics.truck_reports WHERE day = ... does (0.3 ms with it,
-- a scan of every truck report without).

-- One successor per report, still: a partial unique index holds only the
-- versions that supersede one (most rows have none, and each cost an
-- entry in the full one).  current_reports' NOT EXISTS (... s.supersedes =
-- r.id) implies supersedes IS NOT NULL, so it still uses it.
CREATE UNIQUE INDEX reports_supersedes ON supplywatch.reports (supersedes)
	WHERE supersedes IS NOT NULL;
ALTER TABLE supplywatch.reports DROP CONSTRAINT reports_supersedes_key;

-- ---- truck_daily: HOT updates ---------------------------------------------------------

-- The sums were in the primary key's INCLUDE, so every upsert wrote a new
-- index entry (never a HOT update).  Now only the key columns are indexed;
-- free space on each page (fillfactor 80) lets an update stay on its page.
-- CLUSTER rewrites the table with that space, in key order, so a
-- corridor's days lie together for snap_trucks' heap reads.
ALTER TABLE supplywatch.truck_daily DROP CONSTRAINT truck_daily_pkey;
ALTER TABLE supplywatch.truck_daily ADD CONSTRAINT truck_daily_pkey
	PRIMARY KEY (corridor_id, stage, day, org_id, crossing, cargo);
ALTER TABLE supplywatch.truck_daily SET (fillfactor = 80);
CLUSTER supplywatch.truck_daily USING truck_daily_pkey;

-- ---- referential integrity, once per statement ------------------------------------------

-- A foreign key checks each inserted row on its own (an index probe, and a
-- FOR KEY SHARE lock on the parent, which for a report inserted in the same
-- transaction writes a WAL record per row).  The lock is what keeps a
-- concurrent DELETE from orphaning the new row.  Organisations, corridors
-- and reports are never deleted (sync_corridors marks a corridor
-- unconfigured; corrections supersede or retract), nor are their keys
-- changed; the triggers below make that a rule, so a parent seen once
-- exists for good, and one check per statement over its new rows (a
-- transition table) guarantees what the foreign keys did.

-- Parents: no DELETE, no TRUNCATE, no change of key.
CREATE FUNCTION supplywatch.refuse_parent_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
		MESSAGE = format('%s on %I.%I refused: rows other rows refer to are never deleted, and keys and references never change (migration 015)',
		                 TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME),
		HINT = 'Reports are corrected by superseding or retracting them; corridors by the configuration (configured = false).';
END
$$;
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['organisations', 'corridors', 'reports'] LOOP
		EXECUTE format('CREATE TRIGGER %I BEFORE DELETE ON supplywatch.%I FOR EACH ROW'
		               ' EXECUTE FUNCTION supplywatch.refuse_parent_change()', t || '_kept', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OF id ON supplywatch.%I FOR EACH ROW'
		               ' WHEN (OLD.id IS DISTINCT FROM NEW.id)'
		               ' EXECUTE FUNCTION supplywatch.refuse_parent_change()', t || '_key_kept', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON supplywatch.%I FOR EACH STATEMENT'
		               ' EXECUTE FUNCTION supplywatch.refuse_parent_change()', t || '_truncate', t);
	END LOOP;
END
$$;

-- reports.org_id, corridor_id and supersedes.  SECURITY DEFINER: whoever
-- inserts, the check reads every parent.
--
-- PL/pgSQL keeps the plan a session made first, from that statement's
-- row count, so the queries are written to have one good plan for one
-- row and for a COPY's 100,000: the few organisations and corridors a
-- statement names are looked up once each (DISTINCT first), a report id
-- by one index probe per row (LATERAL ... LIMIT 1 cannot become a hash
-- join, which would read every report for a single-row insert).
CREATE FUNCTION supplywatch.reports_check_refs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
DECLARE
	bad text;
BEGIN
	SELECT x.what INTO bad FROM (
		SELECT format('org_id %s is not in supplywatch.organisations', d.org_id) AS what
		  FROM (SELECT DISTINCT n.org_id FROM new_rows n) d
		 WHERE NOT EXISTS (SELECT 1 FROM supplywatch.organisations o WHERE o.id = d.org_id)
		UNION ALL
		SELECT format('corridor_id %L is not in supplywatch.corridors', d.corridor_id)
		  FROM (SELECT DISTINCT n.corridor_id FROM new_rows n) d
		 WHERE NOT EXISTS (SELECT 1 FROM supplywatch.corridors c WHERE c.id = d.corridor_id)
		UNION ALL
		SELECT format('supersedes %s is not in supplywatch.reports', n.supersedes)
		  FROM new_rows n
		  LEFT JOIN LATERAL (SELECT 1 AS found FROM supplywatch.reports r
		                      WHERE r.id = n.supersedes LIMIT 1) p ON true
		 WHERE n.supersedes IS NOT NULL AND p.found IS NULL
	) x LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'reports',
			MESSAGE = 'insert into supplywatch.reports refused: ' || bad;
	END IF;
	RETURN NULL;
END
$$;

-- A kind table's report: the same function for every kind table (PL/pgSQL
-- compiles it per table).
CREATE FUNCTION supplywatch.kind_check_refs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
DECLARE
	bad bigint;
BEGIN
	SELECT n.report INTO bad FROM new_rows n
	  LEFT JOIN LATERAL (SELECT 1 AS found FROM supplywatch.reports r
	                      WHERE r.id = n.report LIMIT 1) p ON true
	 WHERE p.found IS NULL LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
			MESSAGE = format('insert into supplywatch.%s refused: report %s is not in supplywatch.reports',
			                 TG_TABLE_NAME, bad);
	END IF;
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION supplywatch.reports_check_refs() FROM PUBLIC;
REVOKE ALL ON FUNCTION supplywatch.kind_check_refs() FROM PUBLIC;

ALTER TABLE supplywatch.reports DROP CONSTRAINT reports_org_id_fkey,
	DROP CONSTRAINT reports_corridor_id_fkey, DROP CONSTRAINT reports_supersedes_fkey;
CREATE TRIGGER reports_refs AFTER INSERT ON supplywatch.reports
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.reports_check_refs();
-- Rows are only ever inserted: an UPDATE that changes a reference is
-- refused outright (the tamper tests of the ledger update other columns).
CREATE TRIGGER reports_refs_kept BEFORE UPDATE OF org_id, corridor_id, supersedes ON supplywatch.reports
	FOR EACH ROW WHEN ((OLD.org_id, OLD.corridor_id, OLD.supersedes)
	                   IS DISTINCT FROM (NEW.org_id, NEW.corridor_id, NEW.supersedes))
	EXECUTE FUNCTION supplywatch.refuse_parent_change();

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['truck_reports', 'shortage_reports', 'disruption_reports',
	                         'access_events', 'movement_reports'] LOOP
		EXECUTE format('ALTER TABLE supplywatch.%I DROP CONSTRAINT %I', t, t || '_report_fkey');
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON supplywatch.%I REFERENCING NEW TABLE AS new_rows'
		               ' FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.kind_check_refs()', t || '_refs', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OF report ON supplywatch.%I FOR EACH ROW'
		               ' WHEN (OLD.report IS DISTINCT FROM NEW.report)'
		               ' EXECUTE FUNCTION supplywatch.refuse_parent_change()', t || '_refs_kept', t);
	END LOOP;
END
$$;

-- ---- the change notification, once per statement ------------------------------------------

-- reports_changed was a row trigger whose WHEN clause was evaluated for
-- every row, even on the daemon's sessions (supplywatch.notify = off).  A
-- statement trigger evaluates it once and announces each corridor once;
-- NOTIFY folded repeated payloads within a transaction already.
CREATE FUNCTION supplywatch.notify_changed_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'reports' THEN
		PERFORM pg_notify('supplywatch_changed', c.corridor_id)
		   FROM (SELECT DISTINCT n.corridor_id FROM new_rows n) c;
	ELSE
		PERFORM pg_notify('supplywatch_changed', coalesce(c.corridor_id, ''))
		   FROM (SELECT DISTINCT r.corridor_id FROM new_rows n
		           LEFT JOIN supplywatch.reports r ON r.id = n.report) c;
	END IF;
	RETURN NULL;
END
$$;
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['reports', 'retractions'] LOOP
		EXECUTE format('DROP TRIGGER %I ON supplywatch.%I', t || '_changed', t);
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON supplywatch.%I'
		               ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
		               ' WHEN (current_setting(''supplywatch.notify'', true) IS DISTINCT FROM ''off'')'
		               ' EXECUTE FUNCTION supplywatch.notify_changed_rows()', t || '_changed', t);
	END LOOP;
END
$$;
