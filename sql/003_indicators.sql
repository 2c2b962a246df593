-- 003: the computed indicators, written by the daemon from the one
-- implementation of the rules (daemon/rules.c), and change notification.

CREATE TABLE supplywatch.daily_status (
	corridor_id      text NOT NULL REFERENCES supplywatch.corridors(id),
	day              date NOT NULL,
	trucks           bigint,
	sources          integer NOT NULL,
	min_trucks       bigint,
	max_trucks       bigint,
	tonnes           numeric,
	flow_status      text NOT NULL,
	declared_status  text,
	status           text NOT NULL,
	status_basis     text NOT NULL,
	disagree         boolean NOT NULL,
	in_blockade      boolean NOT NULL,
	PRIMARY KEY (corridor_id, day)
);

CREATE TABLE supplywatch.blockade_periods (
	corridor_id  text NOT NULL REFERENCES supplywatch.corridors(id),
	first_day    date NOT NULL,
	last_day     date NOT NULL,
	days         integer NOT NULL,
	ongoing      boolean NOT NULL,
	PRIMARY KEY (corridor_id, first_day)
);

CREATE TABLE supplywatch.indicator_runs (
	corridor_id  text PRIMARY KEY REFERENCES supplywatch.corridors(id),
	as_of        date NOT NULL,
	computed_at  timestamptz NOT NULL DEFAULT now()
);

-- The daemon hands over the days that changed since its last run, the whole
-- range they belong to, and all periods; the ingest role needs no UPDATE or
-- DELETE of its own.
CREATE FUNCTION supplywatch.put_indicators(corridor text, as_of date, first_day date,
	days jsonb, periods jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	-- Daemons sharing the database write one corridor at a time.
	SELECT pg_advisory_xact_lock(hashtext('supplywatch.put_indicators'), hashtext(corridor));
	DELETE FROM supplywatch.daily_status
	 WHERE corridor_id = corridor AND (first_day IS NULL OR day < first_day OR day > as_of);
	INSERT INTO supplywatch.daily_status AS s
	SELECT corridor, x.day, x.trucks, x.sources, x.min_trucks, x.max_trucks, x.tonnes,
	       x.flow_status, x.declared_status, x.status, x.status_basis, x.disagree, x.in_blockade
	  FROM jsonb_to_recordset(days) AS x(day date, trucks bigint, sources integer,
		min_trucks bigint, max_trucks bigint, tonnes numeric, flow_status text,
		declared_status text, status text, status_basis text, disagree boolean,
		in_blockade boolean)
	ON CONFLICT (corridor_id, day) DO UPDATE SET trucks = EXCLUDED.trucks,
		sources = EXCLUDED.sources, min_trucks = EXCLUDED.min_trucks,
		max_trucks = EXCLUDED.max_trucks, tonnes = EXCLUDED.tonnes,
		flow_status = EXCLUDED.flow_status, declared_status = EXCLUDED.declared_status,
		status = EXCLUDED.status, status_basis = EXCLUDED.status_basis,
		disagree = EXCLUDED.disagree, in_blockade = EXCLUDED.in_blockade;
	DELETE FROM supplywatch.blockade_periods WHERE corridor_id = corridor;
	INSERT INTO supplywatch.blockade_periods
	SELECT corridor, x.first_day, x.last_day, x.days, x.ongoing
	  FROM jsonb_to_recordset(periods) AS x(first_day date, last_day date, days integer,
		ongoing boolean);
	INSERT INTO supplywatch.indicator_runs (corridor_id, as_of) VALUES (corridor, as_of)
	ON CONFLICT (corridor_id) DO UPDATE SET as_of = EXCLUDED.as_of, computed_at = now();
$$;
REVOKE ALL ON FUNCTION supplywatch.put_indicators(text, date, date, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION supplywatch.put_indicators(text, date, date, jsonb, jsonb)
	TO supplywatch_ingest;
GRANT SELECT ON supplywatch.daily_status, supplywatch.blockade_periods,
	supplywatch.indicator_runs, supplywatch.current_reports TO supplywatch_ingest;

-- Every change of reports wakes the daemons' snapshot threads (LISTEN
-- supplywatch_changed), whoever made it: a daemon, the CLI, a restore.
CREATE FUNCTION supplywatch.notify_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('supplywatch_changed', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
CREATE TRIGGER reports_changed AFTER INSERT ON supplywatch.reports
	FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.notify_changed();
CREATE TRIGGER retractions_changed AFTER INSERT ON supplywatch.retractions
	FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.notify_changed();

-- Indexes for the snapshot's loading queries.
CREATE INDEX truck_reports_report_day ON supplywatch.truck_reports (report, day);
CREATE INDEX reports_corridor_kind_received ON supplywatch.reports (corridor_id, kind, received_at);

CREATE VIEW analytics.daily_status AS
SELECT s.corridor_id AS corridor, s.day, s.trucks, s.sources, s.min_trucks, s.max_trucks,
       s.tonnes, s.flow_status, s.declared_status, s.status, s.status_basis, s.disagree,
       s.in_blockade, r.computed_at
  FROM supplywatch.daily_status s
  JOIN supplywatch.indicator_runs r USING (corridor_id);
COMMENT ON VIEW analytics.daily_status IS 'The daily series of every corridor, from its first reported day to the day the daemon last computed (as_of in indicator state), computed by the daemon''s blockade rules (docs/indicators.md). A day nobody reported has trucks null, never 0.';
COMMENT ON COLUMN analytics.daily_status.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.daily_status.day IS 'Local date in the corridor''s time zone.';
COMMENT ON COLUMN analytics.daily_status.trucks IS 'Reconciled inbound trucks: per organisation the sum of its current inbound reports for the day, then the max (or sum, per the corridor''s reconcile setting) across organisations. Null when nobody reported.';
COMMENT ON COLUMN analytics.daily_status.sources IS 'Organisations that reported inbound trucks for the day.';
COMMENT ON COLUMN analytics.daily_status.min_trucks IS 'Smallest per-organisation count (the spread between sources); null when nobody reported.';
COMMENT ON COLUMN analytics.daily_status.max_trucks IS 'Largest per-organisation count; null when nobody reported.';
COMMENT ON COLUMN analytics.daily_status.tonnes IS 'Reconciled inbound tonnes, when reported.';
COMMENT ON COLUMN analytics.daily_status.flow_status IS 'blocked, restricted or open from trucks against the baseline; unknown when nobody reported.';
COMMENT ON COLUMN analytics.daily_status.declared_status IS 'Status of the latest access event at or before the end of the day; null when there is none.';
COMMENT ON COLUMN analytics.daily_status.status IS 'The day''s status: declared_status when there is one, else flow_status.';
COMMENT ON COLUMN analytics.daily_status.status_basis IS 'declared, flows or none: what status rests on.';
COMMENT ON COLUMN analytics.daily_status.disagree IS 'True when the declared status and the flows contradict each other (blocked against open).';
COMMENT ON COLUMN analytics.daily_status.in_blockade IS 'True when the day belongs to a blockade period (for an ongoing period: through its last computed day).';
COMMENT ON COLUMN analytics.daily_status.computed_at IS 'When the daemon last computed this corridor.';

CREATE VIEW analytics.blockade_periods AS
SELECT p.corridor_id AS corridor, p.first_day, p.last_day, p.days, p.ongoing, r.as_of, r.computed_at
  FROM supplywatch.blockade_periods p
  JOIN supplywatch.indicator_runs r USING (corridor_id);
COMMENT ON VIEW analytics.blockade_periods IS 'Blockade periods of every corridor, as of the day the daemon last computed (docs/indicators.md).';
COMMENT ON COLUMN analytics.blockade_periods.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.blockade_periods.first_day IS 'First day: a blocked day.';
COMMENT ON COLUMN analytics.blockade_periods.last_day IS 'Last blocked or restricted day before what ended the period; for an ongoing period, the last such day so far.';
COMMENT ON COLUMN analytics.blockade_periods.days IS 'Duration in days: first_day to last_day inclusive, or first_day to as_of for an ongoing period (day N of the blockade).';
COMMENT ON COLUMN analytics.blockade_periods.ongoing IS 'True when the period had not ended as of as_of.';
COMMENT ON COLUMN analytics.blockade_periods.as_of IS 'The local date the periods were computed for (the corridor''s today when computed).';
COMMENT ON COLUMN analytics.blockade_periods.computed_at IS 'When the daemon last computed this corridor.';
GRANT SELECT ON analytics.daily_status, analytics.blockade_periods TO supplywatch_analyst;
