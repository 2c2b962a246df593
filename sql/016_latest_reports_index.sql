-- 016: the corridor page's latest reports (issue 17): a corridor's newest
-- current reports, by received_at and then id, both descending.
--
-- reports_corridor_received_org (corridor_id, received_at) gave them by
-- received_at, but not by id among the reports received at one instant:
-- the reports of one batch or CSV file all carry their transaction's
-- received_at, and the plan then sorted the whole batch before it could
-- keep 21 (0.45 s a rebuild after a file of 100,000 reports, until 21
-- newer ones came; 0.1 ms with id in the key).  The same index with id as
-- its last key column serves both that query and snap_orgs_30d (still
-- index-only): each report still costs one entry, 8 bytes wider.
CREATE INDEX reports_corridor_received_id ON supplywatch.reports (corridor_id, received_at, id)
	INCLUDE (org_id);
DROP INDEX supplywatch.reports_corridor_received_org;
