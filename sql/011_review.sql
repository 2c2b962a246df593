-- 011: review before publication and corroboration (design.md, stage two,
-- "Review, corroboration and alerts").  A review is an appended row; the
-- latest review of a report version is its state, kept in review_state by
-- a trigger so readers need no "latest per report" query.  A version
-- nobody has reviewed is 'received'.  Nothing is ever updated in reviews.

ALTER TABLE supplywatch.organisations ADD COLUMN reviewer boolean NOT NULL DEFAULT false;

CREATE TABLE supplywatch.reviews (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	report       bigint NOT NULL REFERENCES supplywatch.reports(id),
	org_id       integer NOT NULL REFERENCES supplywatch.organisations(id),	-- the reviewer
	state        text NOT NULL CHECK (state IN ('received', 'published', 'has_issues', 'rejected')),
	comment      text CHECK (length(comment) BETWEEN 1 AND 2000),
	channel      text NOT NULL CHECK (channel IN ('json', 'cli')),
	reviewed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_report ON supplywatch.reviews (report, id);

CREATE TABLE supplywatch.review_state (
	report  bigint PRIMARY KEY REFERENCES supplywatch.reports(id),
	review  bigint NOT NULL REFERENCES supplywatch.reviews(id),
	state   text NOT NULL
);
-- The reports a corridor publishing after review may show.
CREATE INDEX review_state_published ON supplywatch.review_state (report) WHERE state = 'published';

-- The latest review wins, whatever order concurrent reviewers commit in.
CREATE FUNCTION supplywatch.review_state_on_reviews() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
BEGIN
	INSERT INTO supplywatch.review_state AS s (report, review, state)
	SELECT DISTINCT ON (n.report) n.report, n.id, n.state FROM new_rows n ORDER BY n.report, n.id DESC
	ON CONFLICT (report) DO UPDATE SET review = excluded.review, state = excluded.state
	 WHERE s.review < excluded.review;
	RETURN NULL;
END
$$;
CREATE TRIGGER review_state_review AFTER INSERT ON supplywatch.reviews
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.review_state_on_reviews();
-- A review from outside the daemon (the CLI, psql) is announced like a report.
CREATE TRIGGER reviews_changed AFTER INSERT ON supplywatch.reviews FOR EACH ROW
	WHEN (current_setting('supplywatch.notify', true) IS DISTINCT FROM 'off')
	EXECUTE FUNCTION supplywatch.notify_changed();

-- ---- corridors: how they publish, and their corroboration tolerance --------------------

ALTER TABLE supplywatch.corridors
	ADD COLUMN publish text NOT NULL DEFAULT 'on_receipt' CHECK (publish IN ('on_receipt', 'after_review')),
	ADD COLUMN corroboration_pct integer NOT NULL DEFAULT 10;

CREATE OR REPLACE FUNCTION supplywatch.sync_corridors(config jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	INSERT INTO supplywatch.corridors AS c (id, name, baseline_trucks_per_day,
		baseline_tonnes_per_day, population, blocked_below_pct, restricted_below_pct,
		max_gap_days, reopen_after_days, reconcile, timezone, crossings, headline_stage,
		publish, corroboration_pct, configured, updated_at)
	SELECT x.id, x.name, x.baseline_trucks_per_day, x.baseline_tonnes_per_day, x.population,
	       x.blocked_below_pct, x.restricted_below_pct, x.max_gap_days, x.reopen_after_days,
	       x.reconcile, x.timezone, coalesce(x.crossings, '{}'),
	       coalesce(x.headline_stage, 'crossed'), coalesce(x.publish, 'on_receipt'),
	       coalesce(x.corroboration_pct, 10), true, now()
	  FROM jsonb_to_recordset(config) AS x(id text, name text, baseline_trucks_per_day integer,
		baseline_tonnes_per_day numeric, population bigint, blocked_below_pct integer,
		restricted_below_pct integer, max_gap_days integer, reopen_after_days integer,
		reconcile text, timezone text, crossings text[], headline_stage text, publish text,
		corroboration_pct integer)
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
		publish = EXCLUDED.publish, corroboration_pct = EXCLUDED.corroboration_pct,
		configured = true, updated_at = now()
	WHERE (c.name, c.baseline_trucks_per_day, c.baseline_tonnes_per_day, c.population,
	       c.blocked_below_pct, c.restricted_below_pct, c.max_gap_days, c.reopen_after_days,
	       c.reconcile, c.timezone, c.crossings, c.headline_stage, c.publish,
	       c.corroboration_pct, c.configured)
	      IS DISTINCT FROM
	      (EXCLUDED.name, EXCLUDED.baseline_trucks_per_day, EXCLUDED.baseline_tonnes_per_day,
	       EXCLUDED.population, EXCLUDED.blocked_below_pct, EXCLUDED.restricted_below_pct,
	       EXCLUDED.max_gap_days, EXCLUDED.reopen_after_days, EXCLUDED.reconcile,
	       EXCLUDED.timezone, EXCLUDED.crossings, EXCLUDED.headline_stage, EXCLUDED.publish,
	       EXCLUDED.corroboration_pct, true);
	UPDATE supplywatch.corridors SET configured = false, updated_at = now()
	 WHERE configured AND id NOT IN (SELECT x->>'id' FROM jsonb_array_elements(config) x);
$$;

-- ---- privileges ----------------------------------------------------------------------

GRANT SELECT, INSERT ON supplywatch.reviews TO supplywatch_ingest;
GRANT SELECT ON supplywatch.review_state TO supplywatch_ingest;

-- ---- the analysts' views: columns are only ever added ---------------------------------

CREATE OR REPLACE VIEW analytics.corridors AS
SELECT id AS corridor, name, baseline_trucks_per_day, baseline_tonnes_per_day, population,
       blocked_below_pct, restricted_below_pct, max_gap_days, reopen_after_days, reconcile,
       timezone, crossings, configured, updated_at, headline_stage, publish, corroboration_pct
  FROM supplywatch.corridors;
COMMENT ON COLUMN analytics.corridors.publish IS 'on_receipt: every current report counts on the public surfaces; after_review: only reports a reviewer has published.';
COMMENT ON COLUMN analytics.corridors.corroboration_pct IS 'Two organisations'' counts of a day and stage corroborate each other when they differ by at most this percentage of the larger.';

CREATE VIEW analytics.reviews AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, r.kind,
       v.state, v.comment, w.slug AS reviewer, v.channel, v.reviewed_at,
       (s.review = v.id) AS latest
  FROM supplywatch.reviews v
  JOIN supplywatch.reports r ON r.id = v.report
  JOIN supplywatch.organisations o ON o.id = r.org_id
  JOIN supplywatch.organisations w ON w.id = v.org_id
  JOIN supplywatch.review_state s ON s.report = v.report;
COMMENT ON VIEW analytics.reviews IS 'Every review of every report version, in the order given (nothing is overwritten); latest marks the one that is the version''s state.';
COMMENT ON COLUMN analytics.reviews.report_id IS 'The reviewed version (analytics.report_history.report_id).';
COMMENT ON COLUMN analytics.reviews.organisation IS 'Slug of the organisation that submitted the report.';
COMMENT ON COLUMN analytics.reviews.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.reviews.kind IS 'trucks, shortage, disruption, access or movement.';
COMMENT ON COLUMN analytics.reviews.state IS 'received, published, has_issues or rejected.';
COMMENT ON COLUMN analytics.reviews.comment IS 'The reviewer''s comment, if any (untrusted text).';
COMMENT ON COLUMN analytics.reviews.reviewer IS 'Slug of the reviewing organisation.';
COMMENT ON COLUMN analytics.reviews.channel IS 'json (the review route) or cli.';
COMMENT ON COLUMN analytics.reviews.reviewed_at IS 'When the review was stored.';
COMMENT ON COLUMN analytics.reviews.latest IS 'True for the review that gives the version its current state.';

CREATE OR REPLACE VIEW analytics.report_history AS
SELECT r.report_id, o.slug AS organisation, r.kind, r.corridor_id AS corridor, r.channel,
       r.received_at, p.report_id AS supersedes, s.report_id AS superseded_by,
       x.retracted_at, x.reason AS retraction_reason,
       (s.id IS NULL AND x.report IS NULL) AS current, r.payload,
       coalesce(v.state, 'received') AS review_state, v.reviewed_at, v.comment AS review_comment
  FROM supplywatch.reports r
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.reports p ON p.id = r.supersedes
  LEFT JOIN supplywatch.reports s ON s.supersedes = r.id
  LEFT JOIN supplywatch.retractions x ON x.report = r.id
  LEFT JOIN (supplywatch.review_state rs JOIN supplywatch.reviews v ON v.id = rs.review)
         ON rs.report = r.id;
COMMENT ON COLUMN analytics.report_history.review_state IS 'The version''s review state: received (nobody has reviewed it), published, has_issues or rejected. Every review: analytics.reviews.';
COMMENT ON COLUMN analytics.report_history.reviewed_at IS 'When the latest review was given; null if none.';
COMMENT ON COLUMN analytics.report_history.review_comment IS 'The latest review''s comment, if any (untrusted text).';

CREATE OR REPLACE VIEW analytics.truck_reports AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, t.day, t.observed_at,
       t.crossing, t.direction, t.trucks, t.cargo, t.tonnes, t.turned_back,
       r.source_url, r.note, r.channel, r.received_at, t.stage, t.consignor,
       coalesce(v.state, 'received') AS review_state
  FROM supplywatch.current_reports r
  JOIN supplywatch.truck_reports t ON t.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.review_state v ON v.report = r.id;

CREATE OR REPLACE VIEW analytics.shortage_reports AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, s.day, s.item,
       s.severity, s.category, s.location, r.source_url, r.note, r.channel, r.received_at,
       coalesce(v.state, 'received') AS review_state
  FROM supplywatch.current_reports r
  JOIN supplywatch.shortage_reports s ON s.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.review_state v ON v.report = r.id;

CREATE OR REPLACE VIEW analytics.disruptions AS
SELECT DISTINCT ON (r.org_id, d.disruption_key)
       d.disruption_key AS disruption_id, o.slug AS organisation, r.corridor_id AS corridor,
       d.service, d.location, d.started_at, d.ended_at, d.ended_at IS NULL AS ongoing,
       d.people_affected, r.source_url, r.note, r.report_id AS latest_report_id,
       r.received_at AS updated_at, coalesce(v.state, 'received') AS review_state
  FROM supplywatch.current_reports r
  JOIN supplywatch.disruption_reports d ON d.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.review_state v ON v.report = r.id
 ORDER BY r.org_id, d.disruption_key, r.received_at DESC, r.id DESC;

CREATE OR REPLACE VIEW analytics.access_events AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, a.status, a.at,
       a.crossing, r.source_url, r.note, r.channel, r.received_at,
       coalesce(v.state, 'received') AS review_state
  FROM supplywatch.current_reports r
  JOIN supplywatch.access_events a ON a.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.review_state v ON v.report = r.id;

CREATE OR REPLACE VIEW analytics.movements AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, m.planned_for, m.outcome,
       m.purpose, m.from_place, m.to_place, m.delay_hours, m.crossing, r.source_url, r.note,
       r.channel, r.received_at, coalesce(v.state, 'received') AS review_state
  FROM supplywatch.current_reports r
  JOIN supplywatch.movement_reports m ON m.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.review_state v ON v.report = r.id;

COMMENT ON COLUMN analytics.truck_reports.review_state IS 'received, published, has_issues or rejected (analytics.reviews). Corridors publishing after review show only published reports; this view shows all.';
COMMENT ON COLUMN analytics.shortage_reports.review_state IS 'received, published, has_issues or rejected (analytics.reviews).';
COMMENT ON COLUMN analytics.disruptions.review_state IS 'Review state of the latest report (latest_report_id): received, published, has_issues or rejected. Corridors publishing after review take each disruption''s state from its latest published report.';
COMMENT ON COLUMN analytics.access_events.review_state IS 'received, published, has_issues or rejected (analytics.reviews).';
COMMENT ON COLUMN analytics.movements.review_state IS 'received, published, has_issues or rejected (analytics.reviews).';

-- Each stage's series, now saying whether its sources agree (design.md: "Corroborated").
CREATE OR REPLACE VIEW analytics.stage_daily AS
SELECT o.corridor_id AS corridor, o.stage, o.day, count(*)::integer AS organisations,
       (CASE c.reconcile WHEN 'sum' THEN sum(o.trucks) ELSE max(o.trucks) END)::bigint AS trucks,
       min(o.trucks) AS min_trucks, max(o.trucks) AS max_trucks,
       CASE WHEN count(*) < 2 THEN 'single source'
            WHEN (max(o.trucks) - min(o.trucks)) * 100 <= c.corroboration_pct * max(o.trucks)
            THEN 'corroborated' ELSE 'sources disagree' END AS corroboration
  FROM (SELECT corridor_id, stage, day, org_id, sum(trucks)::bigint AS trucks
          FROM supplywatch.truck_daily GROUP BY 1, 2, 3, 4 HAVING sum(reports) > 0) o
  JOIN supplywatch.corridors c ON c.id = o.corridor_id
 GROUP BY o.corridor_id, o.stage, o.day, c.reconcile, c.corroboration_pct;
COMMENT ON COLUMN analytics.stage_daily.corroboration IS 'single source (one organisation), corroborated (two or more whose counts differ by at most corroboration_pct of the largest) or sources disagree. From every current report, reviewed or not.';

GRANT SELECT ON analytics.reviews TO supplywatch_analyst;
