-- 007: each organisation's daily inbound trucks per corridor, kept current
-- by triggers, so a snapshot reads one row per organisation and day instead
-- of every report: the reports of one corridor lie scattered across the
-- whole table, and reading them all cost seconds at a million reports.
-- The sums are those of the current reports (neither superseded nor
-- retracted), as supplywatch.current_reports defines them.

CREATE TABLE supplywatch.truck_daily (
	corridor_id  text NOT NULL,
	day          date NOT NULL,
	org_id       integer NOT NULL,
	reports      integer NOT NULL,	-- current inbound truck reports counted here
	trucks       bigint NOT NULL,
	tonnes       numeric,		-- sum of the tonnes given
	tonnes_n     integer NOT NULL,	-- how many gave tonnes
	-- Covering: a snapshot reads a corridor's days from the index alone.
	PRIMARY KEY (corridor_id, day, org_id) INCLUDE (reports, trucks, tonnes, tonnes_n)
);

-- The triggers are per statement, over the rows the statement inserted (a
-- transition table): a batch or a COPY pays one set-based upsert, not a
-- function call per row.  Their SQL is written inline in PL/pgSQL, whose
-- plans are cached for the session (an SQL function with SET search_path is
-- planned anew at every call, which cost a single-report commit two thirds
-- of its rate).  Adding and taking away are separate statements, as one
-- INSERT ... ON CONFLICT may not touch a row twice.

-- Takes away the given reports' inbound trucks (superseded or retracted).
CREATE FUNCTION supplywatch.truck_daily_remove(p_reports bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
BEGIN
	INSERT INTO supplywatch.truck_daily AS d
	       (corridor_id, day, org_id, reports, trucks, tonnes, tonnes_n)
	SELECT r.corridor_id, t.day, r.org_id, -count(*), -sum(t.trucks), -sum(t.tonnes), -count(t.tonnes)
	  FROM supplywatch.reports r JOIN supplywatch.truck_reports t ON t.report = r.id
	 WHERE r.id = ANY (p_reports) AND t.direction = 'inbound'
	 GROUP BY r.corridor_id, t.day, r.org_id
	ON CONFLICT (corridor_id, day, org_id) DO UPDATE
	   SET reports = d.reports + excluded.reports,
	       trucks = d.trucks + excluded.trucks,
	       tonnes = CASE WHEN excluded.tonnes IS NULL THEN d.tonnes
	                     ELSE coalesce(d.tonnes, 0) + excluded.tonnes END,
	       tonnes_n = d.tonnes_n + excluded.tonnes_n;
END
$$;

-- New truck reports count; the reports they supersede (validated to be
-- current truck reports) no longer do.
CREATE FUNCTION supplywatch.truck_daily_on_reports() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
DECLARE
	old_ids bigint[];
BEGIN
	INSERT INTO supplywatch.truck_daily AS d
	       (corridor_id, day, org_id, reports, trucks, tonnes, tonnes_n)
	SELECT r.corridor_id, n.day, r.org_id, count(*), sum(n.trucks), sum(n.tonnes), count(n.tonnes)
	  FROM new_rows n JOIN supplywatch.reports r ON r.id = n.report
	 WHERE n.direction = 'inbound'
	 GROUP BY r.corridor_id, n.day, r.org_id
	ON CONFLICT (corridor_id, day, org_id) DO UPDATE
	   SET reports = d.reports + excluded.reports,
	       trucks = d.trucks + excluded.trucks,
	       tonnes = CASE WHEN excluded.tonnes IS NULL THEN d.tonnes
	                     ELSE coalesce(d.tonnes, 0) + excluded.tonnes END,
	       tonnes_n = d.tonnes_n + excluded.tonnes_n;
	old_ids := ARRAY(SELECT r.supersedes FROM new_rows n JOIN supplywatch.reports r ON r.id = n.report
	                  WHERE r.supersedes IS NOT NULL);
	IF cardinality(old_ids) > 0 THEN
		PERFORM supplywatch.truck_daily_remove(old_ids);
	END IF;
	RETURN NULL;
END
$$;

-- Retracted reports no longer count (only inbound truck reports matter).
CREATE FUNCTION supplywatch.truck_daily_on_retractions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
BEGIN
	PERFORM supplywatch.truck_daily_remove(ARRAY(SELECT n.report FROM new_rows n));
	RETURN NULL;
END
$$;

CREATE TRIGGER truck_daily_report AFTER INSERT ON supplywatch.truck_reports
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.truck_daily_on_reports();
CREATE TRIGGER truck_daily_retraction AFTER INSERT ON supplywatch.retractions
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.truck_daily_on_retractions();

-- What is already stored.
INSERT INTO supplywatch.truck_daily (corridor_id, day, org_id, reports, trucks, tonnes, tonnes_n)
SELECT r.corridor_id, t.day, r.org_id, count(*), sum(t.trucks), sum(t.tonnes), count(t.tonnes)
  FROM supplywatch.current_reports r JOIN supplywatch.truck_reports t ON t.report = r.id
 WHERE t.direction = 'inbound'
 GROUP BY r.corridor_id, t.day, r.org_id;

REVOKE ALL ON FUNCTION supplywatch.truck_daily_remove(bigint[]) FROM PUBLIC;
GRANT SELECT ON supplywatch.truck_daily TO supplywatch_ingest;
