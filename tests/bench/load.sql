-- tests/bench/load.sql: the scale data set, written straight into the tables
-- the way the daemon writes them (reports + one kind table, a payload as a
-- client would submit it, its SHA-256 as content_hash), in one transaction.
-- psql variables: n (truck reports), corridors, orgs, days (history length).
--
-- Truck reports: every corridor has one every day of the history from
-- several organisations (n / corridors / days of them), so a corridor-day is
-- reported by about that many organisations.  Corridors 1-10 are under a
-- blockade for the last 300 days (few trucks), corridors 11-20 went through
-- one from day 1400 to day 1000 before today; the others flow normally.
-- Access events declare those blockades; shortages and disruptions add the
-- other kinds in small numbers, as in real data.

\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE bench_before AS SELECT coalesce(max(id), 0) AS id FROM supplywatch.reports;

-- Truck reports.  g runs over all reports; k is the corridor (0-based),
-- s the slot within the corridor, d the day (0 = yesterday), p the pass.
INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, received_at,
	content_hash, payload, source_url)
SELECT org_id, report_id, 'trucks', corridor_id, 'json', received_at,
       sha256(convert_to(payload::text, 'UTF8')), payload, payload->>'source_url'
  FROM (SELECT o.id AS org_id, x.u AS report_id, x.cid AS corridor_id,
	       (x.day + interval '14 hours') AT TIME ZONE 'UTC' AS received_at,
	       jsonb_build_object('kind', 'trucks', 'report_id', x.u, 'corridor', x.cid,
		       'date', x.day, 'trucks', x.trucks, 'cargo', x.cargo, 'crossing', 'North gate',
		       'source_url', 'https://example.org/sitrep/' || x.g) AS payload
	  FROM (SELECT g, gen_random_uuid() AS u,
		       'corridor-' || lpad((k + 1)::text, 2, '0') AS cid,
		       current_date - 1 - d AS day,
		       (p * 3 + k) % :orgs + 1 AS org_no,
		       (ARRAY['food','medical','fuel','mixed','hygiene'])[g % 5 + 1] AS cargo,
		       CASE WHEN k < 10 AND d < 300 THEN (g * 7) % 25
			    WHEN k >= 10 AND k < 20 AND d BETWEEN 1000 AND 1400 THEN (g * 7) % 25
			    ELSE 250 + (g * 37) % 200 END AS trucks
		  FROM (SELECT g, g % :corridors AS k, (g / :corridors) % :days AS d,
			       (g / :corridors) / :days AS p
			  FROM generate_series(0, :n - 1) g) s) x
	  JOIN supplywatch.organisations o ON o.slug = 'ngo-' || lpad(x.org_no::text, 2, '0')) y;

INSERT INTO supplywatch.truck_reports (report, day, direction, crossing, trucks, cargo)
SELECT r.id, (r.payload->>'date')::date, 'inbound', r.payload->>'crossing',
       (r.payload->>'trucks')::integer, r.payload->>'cargo'
  FROM supplywatch.reports r, bench_before b
 WHERE r.id > b.id AND r.kind = 'trucks';

-- Access events: each blockade declared at its start; the past one reopened.
CREATE TEMP TABLE bench_access AS
SELECT gen_random_uuid() AS u, 'corridor-' || lpad(k::text, 2, '0') AS cid,
       CASE WHEN k <= 10 THEN 300 ELSE e END AS d,
       CASE WHEN k <= 10 OR e = 1400 THEN 'blocked' ELSE 'open' END AS status
  FROM generate_series(1, least(20, :corridors)) k, unnest(ARRAY[1400, 999]) e
 WHERE k > 10 OR e = 1400;

-- Shortages (a few per corridor and week) and disruptions (a few per corridor).
CREATE TEMP TABLE bench_other AS
SELECT gen_random_uuid() AS u, 'corridor-' || lpad((g % :corridors + 1)::text, 2, '0') AS cid,
       (g % :days) AS d, g,
       (ARRAY['baby formula','insulin','flour','diesel','soap','antibiotics'])[g % 6 + 1] AS item,
       (ARRAY['low','moderate','severe','critical'])[g % 4 + 1] AS severity,
       (ARRAY['gas','electricity','water','internet'])[g % 4 + 1] AS service
  FROM generate_series(0, (:n / 500)) g;

INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, received_at,
	content_hash, payload)
SELECT 1 + (length(payload::text) % :orgs), u, kind, cid, 'json', at,
       sha256(convert_to(payload::text, 'UTF8')), payload
  FROM (SELECT u, 'access' AS kind, cid, (current_date - d + interval '9 hours') AT TIME ZONE 'UTC' AS at,
	       jsonb_build_object('kind', 'access', 'report_id', u, 'corridor', cid, 'status', status,
		       'at', to_char((current_date - d + interval '9 hours'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS payload
	  FROM bench_access
	UNION ALL
	SELECT u, 'shortage', cid, (current_date - 1 - d + interval '15 hours') AT TIME ZONE 'UTC',
	       jsonb_build_object('kind', 'shortage', 'report_id', u, 'corridor', cid,
		       'date', current_date - 1 - d, 'item', item, 'severity', severity)
	  FROM bench_other WHERE g % 5 <> 0
	UNION ALL
	SELECT u, 'disruption', cid, (current_date - 1 - d + interval '16 hours') AT TIME ZONE 'UTC',
	       jsonb_build_object('kind', 'disruption', 'report_id', u, 'corridor', cid, 'service', service,
		       'started_at', to_char(current_date - 1 - d + interval '6 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
	  FROM bench_other WHERE g % 5 = 0) z;

INSERT INTO supplywatch.access_events (report, status, at)
SELECT r.id, r.payload->>'status', (r.payload->>'at')::timestamptz
  FROM supplywatch.reports r, bench_before b WHERE r.id > b.id AND r.kind = 'access';
INSERT INTO supplywatch.shortage_reports (report, day, item, severity)
SELECT r.id, (r.payload->>'date')::date, r.payload->>'item', r.payload->>'severity'
  FROM supplywatch.reports r, bench_before b WHERE r.id > b.id AND r.kind = 'shortage';
INSERT INTO supplywatch.disruption_reports (report, service, started_at, disruption_key)
SELECT r.id, r.payload->>'service', (r.payload->>'started_at')::timestamptz, r.report_id::text
  FROM supplywatch.reports r, bench_before b WHERE r.id > b.id AND r.kind = 'disruption';

COMMIT;
