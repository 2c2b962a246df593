-- 009: counting points (stages), consignors, movements and crossings
-- (design.md, stage two).  Every earlier report means stage 'crossed'.
-- Reconciliation never crosses stages, so the per-organisation daily sums
-- kept by triggers (007) are kept per stage, and per crossing and cargo so
-- the snapshot can break the headline series down without reading reports.

-- ---- reports ------------------------------------------------------------------

ALTER TABLE supplywatch.reports DROP CONSTRAINT reports_kind_check;
ALTER TABLE supplywatch.reports ADD CONSTRAINT reports_kind_check
	CHECK (kind IN ('trucks', 'shortage', 'disruption', 'access', 'movement'));

ALTER TABLE supplywatch.truck_reports
	ADD COLUMN stage text NOT NULL DEFAULT 'crossed'
		CHECK (stage IN ('dispatched', 'inspected', 'crossed', 'collected', 'delivered',
		                 'intercepted', 'waiting')),
	ADD COLUMN consignor text
		CHECK (consignor IN ('un', 'ngo', 'red_cross', 'government', 'commercial', 'other'));
ALTER TABLE supplywatch.truck_reports DROP CONSTRAINT truck_reports_cargo_check;
ALTER TABLE supplywatch.truck_reports ADD CONSTRAINT truck_reports_cargo_check
	CHECK (cargo IN ('food', 'medical', 'fuel', 'hygiene', 'shelter', 'mixed', 'nutrition',
	                 'wash', 'education', 'other'));
-- Trucks waiting at a crossing are a stock, read apart from the flows.
CREATE INDEX truck_reports_waiting ON supplywatch.truck_reports (report) WHERE stage = 'waiting';

CREATE TABLE supplywatch.movement_reports (
	report       bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	outcome      text NOT NULL CHECK (outcome IN ('facilitated', 'partially_facilitated',
	               'impeded', 'denied', 'postponed')),
	planned_for  date NOT NULL,
	purpose      text CHECK (purpose IN ('food', 'medical', 'fuel', 'wash', 'assessment',
	               'staff', 'other')),
	from_place   text,
	to_place     text,
	delay_hours  numeric CHECK (delay_hours >= 0),
	crossing     text
);

-- ---- organisations describe their method ------------------------------------------

ALTER TABLE supplywatch.organisations
	ADD COLUMN method text CHECK (length(method) <= 4000),
	ADD COLUMN method_url text CHECK (method_url ~ '^https?://' AND length(method_url) <= 2048);

-- ---- corridors: the headline stage -------------------------------------------------

ALTER TABLE supplywatch.corridors ADD COLUMN headline_stage text NOT NULL DEFAULT 'crossed';

CREATE OR REPLACE FUNCTION supplywatch.sync_corridors(config jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	INSERT INTO supplywatch.corridors AS c (id, name, baseline_trucks_per_day,
		baseline_tonnes_per_day, population, blocked_below_pct, restricted_below_pct,
		max_gap_days, reopen_after_days, reconcile, timezone, crossings, headline_stage,
		configured, updated_at)
	SELECT x.id, x.name, x.baseline_trucks_per_day, x.baseline_tonnes_per_day, x.population,
	       x.blocked_below_pct, x.restricted_below_pct, x.max_gap_days, x.reopen_after_days,
	       x.reconcile, x.timezone, coalesce(x.crossings, '{}'),
	       coalesce(x.headline_stage, 'crossed'), true, now()
	  FROM jsonb_to_recordset(config) AS x(id text, name text, baseline_trucks_per_day integer,
		baseline_tonnes_per_day numeric, population bigint, blocked_below_pct integer,
		restricted_below_pct integer, max_gap_days integer, reopen_after_days integer,
		reconcile text, timezone text, crossings text[], headline_stage text)
	ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		baseline_trucks_per_day = EXCLUDED.baseline_trucks_per_day,
		baseline_tonnes_per_day = EXCLUDED.baseline_tonnes_per_day,
		population = EXCLUDED.population,
		blocked_below_pct = EXCLUDED.blocked_below_pct,
		restricted_below_pct = EXCLUDED.restricted_below_pct,
		max_gap_days = EXCLUDED.max_gap_days,
		reopen_after_days = EXCLUDED.reopen_after_days,
		reconcile = EXCLUDED.reconcile, timezone = EXCLUDED.timezone,
		crossings = EXCLUDED.crossings, headline_stage = EXCLUDED.headline_stage,
		configured = true, updated_at = now()
	WHERE (c.name, c.baseline_trucks_per_day, c.baseline_tonnes_per_day, c.population,
	       c.blocked_below_pct, c.restricted_below_pct, c.max_gap_days, c.reopen_after_days,
	       c.reconcile, c.timezone, c.crossings, c.headline_stage, c.configured)
	      IS DISTINCT FROM
	      (EXCLUDED.name, EXCLUDED.baseline_trucks_per_day, EXCLUDED.baseline_tonnes_per_day,
	       EXCLUDED.population, EXCLUDED.blocked_below_pct, EXCLUDED.restricted_below_pct,
	       EXCLUDED.max_gap_days, EXCLUDED.reopen_after_days, EXCLUDED.reconcile,
	       EXCLUDED.timezone, EXCLUDED.crossings, EXCLUDED.headline_stage, true);
	UPDATE supplywatch.corridors SET configured = false, updated_at = now()
	 WHERE configured AND id NOT IN (SELECT x->>'id' FROM jsonb_array_elements(config) x);
$$;

-- ---- truck_daily, per stage, crossing and cargo ------------------------------------

DROP TRIGGER truck_daily_report ON supplywatch.truck_reports;
DROP TRIGGER truck_daily_retraction ON supplywatch.retractions;
DROP FUNCTION supplywatch.truck_daily_on_reports();
DROP FUNCTION supplywatch.truck_daily_on_retractions();
DROP FUNCTION supplywatch.truck_daily_remove(bigint[]);
DROP TABLE supplywatch.truck_daily;

-- Inbound flows only ('waiting' is a stock).  '' stands for "not given".
CREATE TABLE supplywatch.truck_daily (
	corridor_id  text NOT NULL,
	stage        text NOT NULL,
	day          date NOT NULL,
	org_id       integer NOT NULL,
	crossing     text NOT NULL,
	cargo        text NOT NULL,
	reports      integer NOT NULL,
	trucks       bigint NOT NULL,
	tonnes       numeric,
	tonnes_n     integer NOT NULL,
	PRIMARY KEY (corridor_id, stage, day, org_id, crossing, cargo)
		INCLUDE (reports, trucks, tonnes, tonnes_n)
);

CREATE FUNCTION supplywatch.truck_daily_remove(p_reports bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
BEGIN
	INSERT INTO supplywatch.truck_daily AS d
	       (corridor_id, stage, day, org_id, crossing, cargo, reports, trucks, tonnes, tonnes_n)
	SELECT r.corridor_id, t.stage, t.day, r.org_id, coalesce(t.crossing, ''), coalesce(t.cargo, ''),
	       -count(*), -sum(t.trucks), -sum(t.tonnes), -count(t.tonnes)
	  FROM supplywatch.reports r JOIN supplywatch.truck_reports t ON t.report = r.id
	 WHERE r.id = ANY (p_reports) AND t.direction = 'inbound' AND t.stage <> 'waiting'
	 GROUP BY 1, 2, 3, 4, 5, 6
	ON CONFLICT (corridor_id, stage, day, org_id, crossing, cargo) DO UPDATE
	   SET reports = d.reports + excluded.reports,
	       trucks = d.trucks + excluded.trucks,
	       tonnes = CASE WHEN excluded.tonnes IS NULL THEN d.tonnes
	                     ELSE coalesce(d.tonnes, 0) + excluded.tonnes END,
	       tonnes_n = d.tonnes_n + excluded.tonnes_n;
END
$$;

CREATE FUNCTION supplywatch.truck_daily_on_reports() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
DECLARE
	old_ids bigint[];
BEGIN
	INSERT INTO supplywatch.truck_daily AS d
	       (corridor_id, stage, day, org_id, crossing, cargo, reports, trucks, tonnes, tonnes_n)
	SELECT r.corridor_id, n.stage, n.day, r.org_id, coalesce(n.crossing, ''), coalesce(n.cargo, ''),
	       count(*), sum(n.trucks), sum(n.tonnes), count(n.tonnes)
	  FROM new_rows n JOIN supplywatch.reports r ON r.id = n.report
	 WHERE n.direction = 'inbound' AND n.stage <> 'waiting'
	 GROUP BY 1, 2, 3, 4, 5, 6
	ON CONFLICT (corridor_id, stage, day, org_id, crossing, cargo) DO UPDATE
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

INSERT INTO supplywatch.truck_daily (corridor_id, stage, day, org_id, crossing, cargo, reports,
                                     trucks, tonnes, tonnes_n)
SELECT r.corridor_id, t.stage, t.day, r.org_id, coalesce(t.crossing, ''), coalesce(t.cargo, ''),
       count(*), sum(t.trucks), sum(t.tonnes), count(t.tonnes)
  FROM supplywatch.current_reports r JOIN supplywatch.truck_reports t ON t.report = r.id
 WHERE t.direction = 'inbound' AND t.stage <> 'waiting'
 GROUP BY 1, 2, 3, 4, 5, 6;

REVOKE ALL ON FUNCTION supplywatch.truck_daily_remove(bigint[]) FROM PUBLIC;
GRANT SELECT ON supplywatch.truck_daily TO supplywatch_ingest;
GRANT SELECT, INSERT ON supplywatch.movement_reports TO supplywatch_ingest;

-- ---- the analysts' views: columns are only ever added ---------------------------------

CREATE OR REPLACE VIEW analytics.corridors AS
SELECT id AS corridor, name, baseline_trucks_per_day, baseline_tonnes_per_day, population,
       blocked_below_pct, restricted_below_pct, max_gap_days, reopen_after_days, reconcile,
       timezone, crossings, configured, updated_at, headline_stage
  FROM supplywatch.corridors;
COMMENT ON COLUMN analytics.corridors.headline_stage IS 'The stage whose series drives flow status, the baseline comparison and the deficit (crossed unless configured).';

CREATE OR REPLACE VIEW analytics.truck_reports AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, t.day, t.observed_at,
       t.crossing, t.direction, t.trucks, t.cargo, t.tonnes, t.turned_back,
       r.source_url, r.note, r.channel, r.received_at, t.stage, t.consignor
  FROM supplywatch.current_reports r
  JOIN supplywatch.truck_reports t ON t.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id;
COMMENT ON COLUMN analytics.truck_reports.cargo IS 'Cargo sector: food, medical, fuel, hygiene, shelter, mixed, nutrition, wash, education or other; null if not given.';
COMMENT ON COLUMN analytics.truck_reports.stage IS 'Where the count was taken: dispatched, inspected, crossed (the default), collected, delivered, intercepted, or waiting (trucks standing at the crossing when observed: a stock, never to be summed over days).';
COMMENT ON COLUMN analytics.truck_reports.consignor IS 'Who sent the cargo: un, ngo, red_cross, government, commercial or other; null if not given.';

CREATE VIEW analytics.movements AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, m.planned_for, m.outcome,
       m.purpose, m.from_place, m.to_place, m.delay_hours, m.crossing, r.source_url, r.note,
       r.channel, r.received_at
  FROM supplywatch.current_reports r
  JOIN supplywatch.movement_reports m ON m.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id;
COMMENT ON VIEW analytics.movements IS 'Current reports of planned humanitarian movements (convoys, missions) and their outcome, one row per report. Analysts see every movement; public surfaces withhold places and dates of the last movements.embargo_hours.';
COMMENT ON COLUMN analytics.movements.report_id IS 'The submitting organisation''s UUID for the report.';
COMMENT ON COLUMN analytics.movements.organisation IS 'Slug of the reporting organisation.';
COMMENT ON COLUMN analytics.movements.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.movements.planned_for IS 'Local date the movement was planned for.';
COMMENT ON COLUMN analytics.movements.outcome IS 'facilitated, partially_facilitated, impeded (approved, then stopped or delayed en route), denied or postponed.';
COMMENT ON COLUMN analytics.movements.purpose IS 'food, medical, fuel, wash, assessment, staff or other; null if not given.';
COMMENT ON COLUMN analytics.movements.from_place IS 'Where the movement set out from (untrusted text; sensitive while recent).';
COMMENT ON COLUMN analytics.movements.to_place IS 'Where it was going (untrusted text; sensitive while recent).';
COMMENT ON COLUMN analytics.movements.delay_hours IS 'Hours of delay, if given.';
COMMENT ON COLUMN analytics.movements.crossing IS 'Crossing point, if given.';
COMMENT ON COLUMN analytics.movements.source_url IS 'Evidence link given by the reporter.';
COMMENT ON COLUMN analytics.movements.note IS 'Free-text note from the reporter (untrusted text).';
COMMENT ON COLUMN analytics.movements.channel IS 'How the report arrived: json, csv, openrosa or cli.';
COMMENT ON COLUMN analytics.movements.received_at IS 'When supplywatch stored the report.';

-- Each stage's own daily series, reconciled like the headline (never across stages).
CREATE VIEW analytics.stage_daily AS
SELECT o.corridor_id AS corridor, o.stage, o.day, count(*)::integer AS organisations,
       (CASE c.reconcile WHEN 'sum' THEN sum(o.trucks) ELSE max(o.trucks) END)::bigint AS trucks,
       min(o.trucks) AS min_trucks, max(o.trucks) AS max_trucks
  FROM (SELECT corridor_id, stage, day, org_id, sum(trucks)::bigint AS trucks
          FROM supplywatch.truck_daily GROUP BY 1, 2, 3, 4 HAVING sum(reports) > 0) o
  JOIN supplywatch.corridors c ON c.id = o.corridor_id
 GROUP BY o.corridor_id, o.stage, o.day, c.reconcile;
COMMENT ON VIEW analytics.stage_daily IS 'Inbound trucks per corridor, stage and day, from current reports: per organisation the sum of its reports at that stage, then the max (or sum, per the corridor''s reconcile) across organisations. Days nobody reported at a stage have no row. The waiting stage (a stock) is not here: see analytics.truck_reports.';
COMMENT ON COLUMN analytics.stage_daily.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.stage_daily.stage IS 'dispatched, inspected, crossed, collected, delivered or intercepted.';
COMMENT ON COLUMN analytics.stage_daily.day IS 'Local date in the corridor''s time zone.';
COMMENT ON COLUMN analytics.stage_daily.organisations IS 'Organisations that reported this stage that day.';
COMMENT ON COLUMN analytics.stage_daily.trucks IS 'Reconciled count of the stage for the day.';
COMMENT ON COLUMN analytics.stage_daily.min_trucks IS 'Smallest per-organisation count.';
COMMENT ON COLUMN analytics.stage_daily.max_trucks IS 'Largest per-organisation count.';

CREATE VIEW analytics.organisations AS
SELECT slug AS organisation, name, method, method_url, created_at
  FROM supplywatch.organisations;
COMMENT ON VIEW analytics.organisations IS 'Reporting organisations and the method each describes (supplywatch org set --method), as shown under "Sources and methods".';
COMMENT ON COLUMN analytics.organisations.organisation IS 'Organisation slug.';
COMMENT ON COLUMN analytics.organisations.name IS 'Display name.';
COMMENT ON COLUMN analytics.organisations.method IS 'What the organisation counts, where, and what it leaves out; null until set.';
COMMENT ON COLUMN analytics.organisations.method_url IS 'A link to its published methodology, if given.';
COMMENT ON COLUMN analytics.organisations.created_at IS 'When the organisation was added.';

COMMENT ON COLUMN analytics.report_history.kind IS 'trucks, shortage, disruption, access or movement.';
COMMENT ON COLUMN analytics.daily_status.trucks IS 'Reconciled inbound trucks at the corridor''s headline stage (analytics.corridors.headline_stage): per organisation the sum of its current inbound reports at that stage for the day, then the max (or sum, per the corridor''s reconcile setting) across organisations. Null when nobody reported. Other stages: analytics.stage_daily.';
COMMENT ON COLUMN analytics.daily_status.sources IS 'Organisations that reported inbound trucks at the headline stage for the day.';

GRANT SELECT ON analytics.movements, analytics.stage_daily, analytics.organisations
	TO supplywatch_analyst;
