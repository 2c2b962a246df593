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

-- Adds (sign 1) or takes away (-1) one report's inbound trucks.
CREATE FUNCTION supplywatch.truck_daily_add(p_report bigint, p_sign integer) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
	INSERT INTO supplywatch.truck_daily AS d
	       (corridor_id, day, org_id, reports, trucks, tonnes, tonnes_n)
	SELECT r.corridor_id, t.day, r.org_id, p_sign, p_sign * t.trucks, p_sign * t.tonnes,
	       CASE WHEN t.tonnes IS NULL THEN 0 ELSE p_sign END
	  FROM supplywatch.reports r JOIN supplywatch.truck_reports t ON t.report = r.id
	 WHERE r.id = p_report AND t.direction = 'inbound'
	ON CONFLICT (corridor_id, day, org_id) DO UPDATE
	   SET reports = d.reports + excluded.reports,
	       trucks = d.trucks + excluded.trucks,
	       tonnes = CASE WHEN excluded.tonnes IS NULL THEN d.tonnes
	                     ELSE coalesce(d.tonnes, 0) + excluded.tonnes END,
	       tonnes_n = d.tonnes_n + excluded.tonnes_n
$$;

-- A new truck report counts; the report it supersedes (validated to be a
-- current truck report) no longer does.
CREATE FUNCTION supplywatch.truck_daily_on_report() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
DECLARE
	old_id bigint;
BEGIN
	PERFORM supplywatch.truck_daily_add(NEW.report, 1);
	SELECT r.supersedes INTO old_id FROM supplywatch.reports r WHERE r.id = NEW.report;
	IF old_id IS NOT NULL THEN
		PERFORM supplywatch.truck_daily_add(old_id, -1);
	END IF;
	RETURN NULL;
END
$$;

-- A retracted report no longer counts (a no-op unless it is an inbound truck report).
CREATE FUNCTION supplywatch.truck_daily_on_retraction() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
BEGIN
	PERFORM supplywatch.truck_daily_add(NEW.report, -1);
	RETURN NULL;
END
$$;

CREATE TRIGGER truck_daily_report AFTER INSERT ON supplywatch.truck_reports
	FOR EACH ROW EXECUTE FUNCTION supplywatch.truck_daily_on_report();
CREATE TRIGGER truck_daily_retraction AFTER INSERT ON supplywatch.retractions
	FOR EACH ROW EXECUTE FUNCTION supplywatch.truck_daily_on_retraction();

-- What is already stored.
INSERT INTO supplywatch.truck_daily (corridor_id, day, org_id, reports, trucks, tonnes, tonnes_n)
SELECT r.corridor_id, t.day, r.org_id, count(*), sum(t.trucks), sum(t.tonnes), count(t.tonnes)
  FROM supplywatch.current_reports r JOIN supplywatch.truck_reports t ON t.report = r.id
 WHERE t.direction = 'inbound'
 GROUP BY r.corridor_id, t.day, r.org_id;

REVOKE ALL ON FUNCTION supplywatch.truck_daily_add(bigint, integer) FROM PUBLIC;
GRANT SELECT ON supplywatch.truck_daily TO supplywatch_ingest;
