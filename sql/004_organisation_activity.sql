-- 004: organisation activity, for the "an organisation has gone silent"
-- alert.  The index makes each organisation's first and last report two
-- index probes, so the daemon can read it on every snapshot.

CREATE INDEX reports_org_received ON supplywatch.reports (org_id, received_at);

CREATE VIEW analytics.organisation_activity AS
SELECT o.slug AS organisation, o.name,
       EXISTS (SELECT 1 FROM supplywatch.tokens t
                WHERE t.org_id = o.id AND t.revoked_at IS NULL) AS active,
       (SELECT min(r.received_at) FROM supplywatch.reports r WHERE r.org_id = o.id) AS first_report_at,
       l.last_report_at,
       now() - l.last_report_at AS silent_for
  FROM supplywatch.organisations o
  CROSS JOIN LATERAL (SELECT max(r.received_at) AS last_report_at
                        FROM supplywatch.reports r WHERE r.org_id = o.id) l;
COMMENT ON VIEW analytics.organisation_activity IS 'When each organisation last reported: the organisations behind the supplywatch_organisations{state="silent"} metric are the active ones whose silent_for exceeds status.silent_after_hours (24 h by default).';
COMMENT ON COLUMN analytics.organisation_activity.organisation IS 'Organisation slug.';
COMMENT ON COLUMN analytics.organisation_activity.name IS 'Organisation name.';
COMMENT ON COLUMN analytics.organisation_activity.active IS 'True while the organisation holds at least one unrevoked token.';
COMMENT ON COLUMN analytics.organisation_activity.first_report_at IS 'When its first report (any version) was received; null when it never reported.';
COMMENT ON COLUMN analytics.organisation_activity.last_report_at IS 'When its latest report (any version, retractions excluded) was received; null when it never reported.';
COMMENT ON COLUMN analytics.organisation_activity.silent_for IS 'Time since last_report_at, as of the query.';
GRANT SELECT ON analytics.organisation_activity TO supplywatch_analyst;
