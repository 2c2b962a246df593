-- 008: the organisations that reported for a corridor in the last 30 days,
-- read from the index alone (without org_id in it, every report of the
-- window cost a heap fetch: 55 ms a corridor at a million reports).
CREATE INDEX reports_corridor_received_org ON supplywatch.reports (corridor_id, received_at) INCLUDE (org_id);
