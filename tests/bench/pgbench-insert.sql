-- tests/bench/pgbench-insert.sql: the ceiling of single-report ingest.  The
-- daemon's insert_trucks statement (daemon/ingest.c): one report row and its
-- truck_reports row, with a payload and content hash of the same size, in a
-- transaction of its own (autocommit: one commit, one WAL flush, each).
-- pgbench -n -M prepared -f pgbench-insert.sql -D corridors=N -D orgs=N
\set org random(1, :orgs)
\set corridor random(1, :corridors)
\set trucks random(0, 450)
\set ago random(1, 28)
WITH x AS (SELECT gen_random_uuid() AS u, 'corridor-' || lpad(:corridor::text, 2, '0') AS cid,
		  current_date - :ago::integer AS day),
r AS (INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel,
		content_hash, payload, supersedes, source_url, note)
	SELECT o.id, x.u, 'trucks', x.cid, 'json', sha256(convert_to(x.u::text, 'UTF8')),
	       jsonb_build_object('kind', 'trucks', 'report_id', x.u, 'corridor', x.cid, 'date', x.day,
		       'trucks', :trucks::integer, 'cargo', 'food', 'crossing', 'North gate',
		       'source_url', 'https://example.org/sitrep/1'),
	       NULL, 'https://example.org/sitrep/1', NULL
	  FROM x, supplywatch.organisations o WHERE o.slug = 'ngo-' || lpad(:org::text, 2, '0')
	ON CONFLICT (org_id, report_id) DO NOTHING RETURNING id, received_at),
t AS (INSERT INTO supplywatch.truck_reports (report, day, observed_at, direction, crossing,
		trucks, cargo, tonnes, turned_back)
	SELECT r.id, x.day, NULL, 'inbound', 'North gate', :trucks::integer, 'food', NULL, NULL
	  FROM r, x RETURNING report)
-- (pgbench takes a colon and a name for a variable, even in quotes: chr(58) is one)
SELECT to_char(r.received_at AT TIME ZONE 'UTC', replace('YYYY-MM-DD"T"HH24#MI#SS.US"Z"', '#', chr(58)))
  FROM r JOIN t ON t.report = r.id;
