-- 002: the analysts' views.  Stable interface: columns are only ever added.

-- Internal: which report versions are current.
CREATE VIEW supplywatch.current_reports AS
SELECT r.*
  FROM supplywatch.reports r
 WHERE NOT EXISTS (SELECT 1 FROM supplywatch.reports s WHERE s.supersedes = r.id)
   AND NOT EXISTS (SELECT 1 FROM supplywatch.retractions x WHERE x.report = r.id);

CREATE VIEW analytics.corridors AS
SELECT id AS corridor, name, baseline_trucks_per_day, baseline_tonnes_per_day, population,
       blocked_below_pct, restricted_below_pct, max_gap_days, reopen_after_days, reconcile,
       timezone, crossings, configured, updated_at
  FROM supplywatch.corridors;
COMMENT ON VIEW analytics.corridors IS 'Corridors as declared in the daemon''s configuration file (mirrored at start and reload).';
COMMENT ON COLUMN analytics.corridors.corridor IS 'Corridor id, as used in reports and URLs.';
COMMENT ON COLUMN analytics.corridors.name IS 'Display name.';
COMMENT ON COLUMN analytics.corridors.baseline_trucks_per_day IS 'Pre-blockade normal inbound trucks per day.';
COMMENT ON COLUMN analytics.corridors.baseline_tonnes_per_day IS 'Pre-blockade normal inbound tonnes per day; null when not configured.';
COMMENT ON COLUMN analytics.corridors.population IS 'Population served, for per-capita figures; null when not configured.';
COMMENT ON COLUMN analytics.corridors.blocked_below_pct IS 'A day is blocked by flows when inbound trucks are below this percentage of the baseline.';
COMMENT ON COLUMN analytics.corridors.restricted_below_pct IS 'A day is restricted by flows when inbound trucks are below this percentage of the baseline (and not blocked).';
COMMENT ON COLUMN analytics.corridors.max_gap_days IS 'Unreported days in a row that do not break a blockade period.';
COMMENT ON COLUMN analytics.corridors.reopen_after_days IS 'Flow-open days in a row that end a blockade period.';
COMMENT ON COLUMN analytics.corridors.reconcile IS 'How daily truck counts of several organisations combine: max or sum.';
COMMENT ON COLUMN analytics.corridors.timezone IS 'IANA time zone in which the corridor''s days are counted.';
COMMENT ON COLUMN analytics.corridors.crossings IS 'Allowed crossing names; empty means any name is kept.';
COMMENT ON COLUMN analytics.corridors.configured IS 'False when the corridor has been removed from the configuration (its reports remain).';
COMMENT ON COLUMN analytics.corridors.updated_at IS 'When the mirrored settings last changed.';

CREATE VIEW analytics.truck_reports AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, t.day, t.observed_at,
       t.crossing, t.direction, t.trucks, t.cargo, t.tonnes, t.turned_back,
       r.source_url, r.note, r.channel, r.received_at
  FROM supplywatch.current_reports r
  JOIN supplywatch.truck_reports t ON t.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id;
COMMENT ON VIEW analytics.truck_reports IS 'Current truck-count reports (neither superseded nor retracted), one row per report.';
COMMENT ON COLUMN analytics.truck_reports.report_id IS 'The submitting organisation''s UUID for the report (unique per organisation).';
COMMENT ON COLUMN analytics.truck_reports.organisation IS 'Slug of the organisation that submitted the report.';
COMMENT ON COLUMN analytics.truck_reports.corridor IS 'Corridor id (analytics.corridors.corridor).';
COMMENT ON COLUMN analytics.truck_reports.day IS 'Local date the trucks passed, in the corridor''s time zone: the report''s date, or the local date of observed_at.';
COMMENT ON COLUMN analytics.truck_reports.observed_at IS 'When the count was observed, if the report gave a timestamp.';
COMMENT ON COLUMN analytics.truck_reports.crossing IS 'Crossing point, if given.';
COMMENT ON COLUMN analytics.truck_reports.direction IS 'inbound (into the blockaded area; the default) or outbound.';
COMMENT ON COLUMN analytics.truck_reports.trucks IS 'Number of trucks that passed; 0 is a real report of no trucks.';
COMMENT ON COLUMN analytics.truck_reports.cargo IS 'Cargo type: food, medical, fuel, hygiene, shelter, mixed or other; null if not given.';
COMMENT ON COLUMN analytics.truck_reports.tonnes IS 'Tonnes carried, if given.';
COMMENT ON COLUMN analytics.truck_reports.turned_back IS 'Trucks turned back at the crossing, if given.';
COMMENT ON COLUMN analytics.truck_reports.source_url IS 'Evidence link given by the reporter (sitrep, photo, post).';
COMMENT ON COLUMN analytics.truck_reports.note IS 'Free-text note from the reporter (untrusted text: escape it when displaying).';
COMMENT ON COLUMN analytics.truck_reports.channel IS 'How the report arrived: json, csv, openrosa or cli.';
COMMENT ON COLUMN analytics.truck_reports.received_at IS 'When supplywatch stored the report.';

CREATE VIEW analytics.shortage_reports AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, s.day, s.item,
       s.severity, s.category, s.location, r.source_url, r.note, r.channel, r.received_at
  FROM supplywatch.current_reports r
  JOIN supplywatch.shortage_reports s ON s.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id;
COMMENT ON VIEW analytics.shortage_reports IS 'Current goods-shortage reports, one row per report.';
COMMENT ON COLUMN analytics.shortage_reports.report_id IS 'The submitting organisation''s UUID for the report.';
COMMENT ON COLUMN analytics.shortage_reports.organisation IS 'Slug of the organisation that submitted the report.';
COMMENT ON COLUMN analytics.shortage_reports.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.shortage_reports.day IS 'Local date the shortage was observed.';
COMMENT ON COLUMN analytics.shortage_reports.item IS 'The item in short supply, as the reporter named it.';
COMMENT ON COLUMN analytics.shortage_reports.severity IS 'none, low, moderate, severe or critical.';
COMMENT ON COLUMN analytics.shortage_reports.category IS 'food, medicine, fuel, hygiene, baby or other; null if not given.';
COMMENT ON COLUMN analytics.shortage_reports.location IS 'Where the shortage was observed, if given.';
COMMENT ON COLUMN analytics.shortage_reports.source_url IS 'Evidence link given by the reporter.';
COMMENT ON COLUMN analytics.shortage_reports.note IS 'Free-text note from the reporter (untrusted text).';
COMMENT ON COLUMN analytics.shortage_reports.channel IS 'How the report arrived: json, csv, openrosa or cli.';
COMMENT ON COLUMN analytics.shortage_reports.received_at IS 'When supplywatch stored the report.';

CREATE VIEW analytics.disruptions AS
SELECT DISTINCT ON (r.org_id, d.disruption_key)
       d.disruption_key AS disruption_id, o.slug AS organisation, r.corridor_id AS corridor,
       d.service, d.location, d.started_at, d.ended_at, d.ended_at IS NULL AS ongoing,
       d.people_affected, r.source_url, r.note, r.report_id AS latest_report_id,
       r.received_at AS updated_at
  FROM supplywatch.current_reports r
  JOIN supplywatch.disruption_reports d ON d.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id
 ORDER BY r.org_id, d.disruption_key, r.received_at DESC, r.id DESC;
COMMENT ON VIEW analytics.disruptions IS 'Current state of each service disruption: the latest current report for each (organisation, disruption_id).';
COMMENT ON COLUMN analytics.disruptions.disruption_id IS 'The organisation''s own key for the disruption, or the report_id of its only report when none was given.';
COMMENT ON COLUMN analytics.disruptions.organisation IS 'Slug of the reporting organisation.';
COMMENT ON COLUMN analytics.disruptions.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.disruptions.service IS 'gas, electricity, water, internet, phone, fuel, medical, transport, education or other.';
COMMENT ON COLUMN analytics.disruptions.location IS 'Where the service is cut, if given.';
COMMENT ON COLUMN analytics.disruptions.started_at IS 'When the disruption began.';
COMMENT ON COLUMN analytics.disruptions.ended_at IS 'When the service came back; null while ongoing.';
COMMENT ON COLUMN analytics.disruptions.ongoing IS 'True while ended_at is null.';
COMMENT ON COLUMN analytics.disruptions.people_affected IS 'People affected, as reported; null if not given.';
COMMENT ON COLUMN analytics.disruptions.source_url IS 'Evidence link of the latest report.';
COMMENT ON COLUMN analytics.disruptions.note IS 'Free-text note of the latest report (untrusted text).';
COMMENT ON COLUMN analytics.disruptions.latest_report_id IS 'report_id of the report that gave this state.';
COMMENT ON COLUMN analytics.disruptions.updated_at IS 'When that report was received.';

CREATE VIEW analytics.access_events AS
SELECT r.report_id, o.slug AS organisation, r.corridor_id AS corridor, a.status, a.at,
       a.crossing, r.source_url, r.note, r.channel, r.received_at
  FROM supplywatch.current_reports r
  JOIN supplywatch.access_events a ON a.report = r.id
  JOIN supplywatch.organisations o ON o.id = r.org_id;
COMMENT ON VIEW analytics.access_events IS 'Current observed changes of access (road closed, reopened, restricted), one row per report.';
COMMENT ON COLUMN analytics.access_events.report_id IS 'The submitting organisation''s UUID for the report.';
COMMENT ON COLUMN analytics.access_events.organisation IS 'Slug of the reporting organisation.';
COMMENT ON COLUMN analytics.access_events.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.access_events.status IS 'Access from this moment on: open, restricted or blocked.';
COMMENT ON COLUMN analytics.access_events.at IS 'When the change happened.';
COMMENT ON COLUMN analytics.access_events.crossing IS 'Crossing point, if given.';
COMMENT ON COLUMN analytics.access_events.source_url IS 'Evidence link given by the reporter.';
COMMENT ON COLUMN analytics.access_events.note IS 'Free-text note from the reporter (untrusted text).';
COMMENT ON COLUMN analytics.access_events.channel IS 'How the report arrived: json, csv, openrosa or cli.';
COMMENT ON COLUMN analytics.access_events.received_at IS 'When supplywatch stored the report.';

CREATE VIEW analytics.report_history AS
SELECT r.report_id, o.slug AS organisation, r.kind, r.corridor_id AS corridor, r.channel,
       r.received_at, p.report_id AS supersedes, s.report_id AS superseded_by,
       x.retracted_at, x.reason AS retraction_reason,
       (s.id IS NULL AND x.report IS NULL) AS current, r.payload
  FROM supplywatch.reports r
  JOIN supplywatch.organisations o ON o.id = r.org_id
  LEFT JOIN supplywatch.reports p ON p.id = r.supersedes
  LEFT JOIN supplywatch.reports s ON s.supersedes = r.id
  LEFT JOIN supplywatch.retractions x ON x.report = r.id;
COMMENT ON VIEW analytics.report_history IS 'Every version of every report, including superseded and retracted ones.';
COMMENT ON COLUMN analytics.report_history.report_id IS 'The submitting organisation''s UUID for this version.';
COMMENT ON COLUMN analytics.report_history.organisation IS 'Slug of the submitting organisation.';
COMMENT ON COLUMN analytics.report_history.kind IS 'trucks, shortage, disruption or access.';
COMMENT ON COLUMN analytics.report_history.corridor IS 'Corridor id.';
COMMENT ON COLUMN analytics.report_history.channel IS 'How the report arrived: json, csv, openrosa or cli.';
COMMENT ON COLUMN analytics.report_history.received_at IS 'When supplywatch stored this version.';
COMMENT ON COLUMN analytics.report_history.supersedes IS 'report_id of the earlier version this one replaces, if any.';
COMMENT ON COLUMN analytics.report_history.superseded_by IS 'report_id of the later version that replaces this one, if any.';
COMMENT ON COLUMN analytics.report_history.retracted_at IS 'When this version was retracted, if it was.';
COMMENT ON COLUMN analytics.report_history.retraction_reason IS 'The reason given for the retraction (untrusted text).';
COMMENT ON COLUMN analytics.report_history.current IS 'True when this version is neither superseded nor retracted: the one indicators use.';
COMMENT ON COLUMN analytics.report_history.payload IS 'The report object as submitted, for audit (stored as jsonb: the values are kept, key order and whitespace are not).';

REVOKE ALL ON SCHEMA analytics FROM PUBLIC;
GRANT USAGE ON SCHEMA analytics TO supplywatch_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO supplywatch_analyst;
