-- 001: tables, roles and the corridor mirror.
-- Applied by `supplywatch migrate` in one transaction; never edit after release.

CREATE SCHEMA IF NOT EXISTS supplywatch;
CREATE SCHEMA IF NOT EXISTS analytics;

-- Roles are cluster-wide: create them once, grant per database below.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supplywatch_ingest') THEN
		CREATE ROLE supplywatch_ingest NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supplywatch_analyst') THEN
		CREATE ROLE supplywatch_analyst NOLOGIN;
	END IF;
END
$$;

CREATE TABLE supplywatch.organisations (
	id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
	name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE supplywatch.tokens (
	id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id      integer NOT NULL REFERENCES supplywatch.organisations(id),
	hash        bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
	label       text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL DEFAULT now(),
	revoked_at  timestamptz
);

-- Mirrored from the configuration file by the daemon (sync_corridors below).
CREATE TABLE supplywatch.corridors (
	id                       text PRIMARY KEY,
	name                     text NOT NULL,
	baseline_trucks_per_day  integer NOT NULL,
	baseline_tonnes_per_day  numeric,
	population               bigint,
	blocked_below_pct        integer NOT NULL,
	restricted_below_pct     integer NOT NULL,
	max_gap_days             integer NOT NULL,
	reopen_after_days        integer NOT NULL,
	reconcile                text NOT NULL CHECK (reconcile IN ('max', 'sum')),
	timezone                 text NOT NULL,
	crossings                text[] NOT NULL DEFAULT '{}',
	configured               boolean NOT NULL DEFAULT true,
	updated_at               timestamptz NOT NULL DEFAULT now()
);

-- Every version of every report, append-only.  A report is current while no
-- other report supersedes it and it has no retraction.
CREATE TABLE supplywatch.reports (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id        integer NOT NULL REFERENCES supplywatch.organisations(id),
	report_id     uuid NOT NULL,
	kind          text NOT NULL CHECK (kind IN ('trucks', 'shortage', 'disruption', 'access')),
	corridor_id   text NOT NULL REFERENCES supplywatch.corridors(id),
	channel       text NOT NULL CHECK (channel IN ('json', 'csv', 'openrosa', 'cli')),
	received_at   timestamptz NOT NULL DEFAULT now(),
	content_hash  bytea NOT NULL CHECK (length(content_hash) = 32),
	payload       jsonb NOT NULL,
	supersedes    bigint UNIQUE REFERENCES supplywatch.reports(id),
	source_url    text,
	note          text,
	-- The idempotency key: a retried submission can never make a second row.
	UNIQUE (org_id, report_id)
);
CREATE INDEX reports_corridor_kind ON supplywatch.reports (corridor_id, kind);

CREATE TABLE supplywatch.retractions (
	report      bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
	retracted_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE supplywatch.truck_reports (
	report       bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	day          date NOT NULL,
	observed_at  timestamptz,
	direction    text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
	crossing     text,
	trucks       integer NOT NULL CHECK (trucks >= 0),
	cargo        text CHECK (cargo IN ('food', 'medical', 'fuel', 'hygiene', 'shelter', 'mixed', 'other')),
	tonnes       numeric CHECK (tonnes >= 0),
	turned_back  integer CHECK (turned_back >= 0)
);
CREATE INDEX truck_reports_day ON supplywatch.truck_reports (day);

CREATE TABLE supplywatch.shortage_reports (
	report    bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	day       date NOT NULL,
	item      text NOT NULL,
	severity  text NOT NULL CHECK (severity IN ('none', 'low', 'moderate', 'severe', 'critical')),
	category  text CHECK (category IN ('food', 'medicine', 'fuel', 'hygiene', 'baby', 'other')),
	location  text
);

CREATE TABLE supplywatch.disruption_reports (
	report           bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	service          text NOT NULL CHECK (service IN ('gas', 'electricity', 'water', 'internet',
	                   'phone', 'fuel', 'medical', 'transport', 'education', 'other')),
	started_at       timestamptz NOT NULL,
	ended_at         timestamptz CHECK (ended_at >= started_at),
	-- The organisation's own key for the disruption, so a later report can
	-- give its end; the report_id when the organisation gave none.
	disruption_key   text NOT NULL,
	location         text,
	people_affected  bigint CHECK (people_affected >= 0)
);

CREATE TABLE supplywatch.access_events (
	report    bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	status    text NOT NULL CHECK (status IN ('open', 'restricted', 'blocked')),
	at        timestamptz NOT NULL,
	crossing  text
);

-- The daemon mirrors its configured corridors through this function, so the
-- ingest role needs no UPDATE privilege on any table.
CREATE FUNCTION supplywatch.sync_corridors(config jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	INSERT INTO supplywatch.corridors AS c (id, name, baseline_trucks_per_day,
		baseline_tonnes_per_day, population, blocked_below_pct, restricted_below_pct,
		max_gap_days, reopen_after_days, reconcile, timezone, crossings, configured, updated_at)
	SELECT x.id, x.name, x.baseline_trucks_per_day, x.baseline_tonnes_per_day, x.population,
	       x.blocked_below_pct, x.restricted_below_pct, x.max_gap_days, x.reopen_after_days,
	       x.reconcile, x.timezone, coalesce(x.crossings, '{}'), true, now()
	  FROM jsonb_to_recordset(config) AS x(id text, name text, baseline_trucks_per_day integer,
		baseline_tonnes_per_day numeric, population bigint, blocked_below_pct integer,
		restricted_below_pct integer, max_gap_days integer, reopen_after_days integer,
		reconcile text, timezone text, crossings text[])
	ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		baseline_trucks_per_day = EXCLUDED.baseline_trucks_per_day,
		baseline_tonnes_per_day = EXCLUDED.baseline_tonnes_per_day,
		population = EXCLUDED.population,
		blocked_below_pct = EXCLUDED.blocked_below_pct,
		restricted_below_pct = EXCLUDED.restricted_below_pct,
		max_gap_days = EXCLUDED.max_gap_days,
		reopen_after_days = EXCLUDED.reopen_after_days,
		reconcile = EXCLUDED.reconcile, timezone = EXCLUDED.timezone,
		crossings = EXCLUDED.crossings, configured = true, updated_at = now()
	WHERE (c.name, c.baseline_trucks_per_day, c.baseline_tonnes_per_day, c.population,
	       c.blocked_below_pct, c.restricted_below_pct, c.max_gap_days, c.reopen_after_days,
	       c.reconcile, c.timezone, c.crossings, c.configured)
	      IS DISTINCT FROM
	      (EXCLUDED.name, EXCLUDED.baseline_trucks_per_day, EXCLUDED.baseline_tonnes_per_day,
	       EXCLUDED.population, EXCLUDED.blocked_below_pct, EXCLUDED.restricted_below_pct,
	       EXCLUDED.max_gap_days, EXCLUDED.reopen_after_days, EXCLUDED.reconcile,
	       EXCLUDED.timezone, EXCLUDED.crossings, true);
	-- Corridors dropped from the configuration keep their reports.
	UPDATE supplywatch.corridors SET configured = false, updated_at = now()
	 WHERE configured AND id NOT IN (SELECT x->>'id' FROM jsonb_array_elements(config) x);
$$;

-- Privileges.  The ingest role reads tokens and reports (for replays) and
-- appends; it cannot UPDATE, DELETE or change the schema.
REVOKE ALL ON SCHEMA supplywatch FROM PUBLIC;
REVOKE ALL ON FUNCTION supplywatch.sync_corridors(jsonb) FROM PUBLIC;
GRANT USAGE ON SCHEMA supplywatch TO supplywatch_ingest;
GRANT SELECT ON supplywatch.organisations, supplywatch.tokens, supplywatch.corridors,
	supplywatch.reports, supplywatch.retractions, supplywatch.truck_reports,
	supplywatch.shortage_reports, supplywatch.disruption_reports,
	supplywatch.access_events
	TO supplywatch_ingest;
GRANT INSERT ON supplywatch.reports, supplywatch.retractions, supplywatch.truck_reports,
	supplywatch.shortage_reports, supplywatch.disruption_reports,
	supplywatch.access_events
	TO supplywatch_ingest;
GRANT EXECUTE ON FUNCTION supplywatch.sync_corridors(jsonb) TO supplywatch_ingest;
GRANT SELECT ON supplywatch.schema_migrations TO supplywatch_ingest;
