-- 014: the public ledger (design.md, stage two, "The public ledger";
-- docs/ledger.md).  Every stored report version, retraction and review is
-- a leaf of an append-only Merkle tree (RFC 9162 §2.1).
--
-- Ingest never waits for the ledger.  A statement-level trigger writes one
-- row per new report, retraction or review into ledger_queue, in the
-- writer's own transaction: a committed row is queued, a rolled-back one
-- is not.  One sequencer at a time (a session-level advisory lock, across
-- daemons) takes queued rows in the order they became visible, appends
-- them to ledger and deletes them from the queue in one transaction, so
-- each is sequenced exactly once, whatever order writers commit in.

CREATE TABLE supplywatch.ledger_queue (
	seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	source  text NOT NULL CHECK (source IN ('report', 'retraction', 'review')),
	id      bigint NOT NULL		-- reports.id, retractions.report or reviews.id
);

-- The leaves, by index.  entry is the canonical JSON text that was hashed.
CREATE TABLE supplywatch.ledger (
	idx           bigint PRIMARY KEY CHECK (idx >= 0),
	source        text NOT NULL CHECK (source IN ('report', 'retraction', 'review')),
	id            bigint NOT NULL,
	entry         text NOT NULL,
	leaf_hash     bytea NOT NULL CHECK (length(leaf_hash) = 32),
	sequenced_at  timestamptz NOT NULL DEFAULT now(),
	UNIQUE (source, id)
);

-- Hashes of complete subtrees at every 8th level (256, 65536... leaves),
-- so a proof reads O(log n) short ranges, never the whole tree.
CREATE TABLE supplywatch.ledger_nodes (
	level  smallint NOT NULL CHECK (level > 0 AND level % 8 = 0),
	idx    bigint NOT NULL CHECK (idx >= 0),
	hash   bytea NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (level, idx)
);

-- Every signed tree head: a C2SP checkpoint, as the signed note served.
CREATE TABLE supplywatch.ledger_heads (
	size       bigint PRIMARY KEY CHECK (size > 0),
	root       bytea NOT NULL CHECK (length(root) = 32),
	signed_at  timestamptz NOT NULL,
	note       text NOT NULL,
	key        text NOT NULL		-- the verifier key that signed it
);

CREATE FUNCTION supplywatch.ledger_enqueue() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, supplywatch AS $$
BEGIN
	IF TG_TABLE_NAME = 'reports' THEN
		INSERT INTO supplywatch.ledger_queue (source, id) SELECT 'report', n.id FROM new_rows n ORDER BY n.id;
	ELSIF TG_TABLE_NAME = 'retractions' THEN
		INSERT INTO supplywatch.ledger_queue (source, id) SELECT 'retraction', n.report FROM new_rows n ORDER BY n.report;
	ELSE
		INSERT INTO supplywatch.ledger_queue (source, id) SELECT 'review', n.id FROM new_rows n ORDER BY n.id;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER reports_ledger AFTER INSERT ON supplywatch.reports
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.ledger_enqueue();
CREATE TRIGGER retractions_ledger AFTER INSERT ON supplywatch.retractions
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.ledger_enqueue();
CREATE TRIGGER reviews_ledger AFTER INSERT ON supplywatch.reviews
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION supplywatch.ledger_enqueue();

-- An installation that already holds reports queues them all, oldest
-- first; the sequencer works through them in batches, and an interrupted
-- upgrade resumes where it stopped.
INSERT INTO supplywatch.ledger_queue (source, id)
SELECT source, id FROM (
	SELECT 'report' AS source, r.id, r.received_at AS at, 0 AS o FROM supplywatch.reports r
	UNION ALL
	SELECT 'retraction', x.report, x.retracted_at, 1 FROM supplywatch.retractions x
	UNION ALL
	SELECT 'review', v.id, v.reviewed_at, 2 FROM supplywatch.reviews v
) q ORDER BY at, o, id;

GRANT SELECT, DELETE ON supplywatch.ledger_queue TO supplywatch_ingest;
GRANT SELECT, INSERT ON supplywatch.ledger, supplywatch.ledger_nodes, supplywatch.ledger_heads
	TO supplywatch_ingest;

CREATE VIEW analytics.ledger AS
SELECT l.idx AS index, l.source AS type, l.entry, encode(l.leaf_hash, 'hex') AS leaf_hash,
       l.sequenced_at, o.slug AS organisation, r.report_id
  FROM supplywatch.ledger l
  LEFT JOIN supplywatch.reviews v ON l.source = 'review' AND v.id = l.id
  LEFT JOIN supplywatch.reports r ON r.id = CASE WHEN l.source = 'review' THEN v.report ELSE l.id END
  LEFT JOIN supplywatch.organisations o ON o.id = r.org_id;
COMMENT ON VIEW analytics.ledger IS 'The public ledger''s leaves in index order: one per stored report version, retraction and review (docs/ledger.md).';
COMMENT ON COLUMN analytics.ledger.index IS 'The leaf''s index in the Merkle tree, from 0.';
COMMENT ON COLUMN analytics.ledger.type IS 'report, retraction or review.';
COMMENT ON COLUMN analytics.ledger.entry IS 'The canonical JSON text that was hashed (docs/ledger.md, "What is hashed").';
COMMENT ON COLUMN analytics.ledger.leaf_hash IS 'SHA-256(0x00 || entry), hex.';
COMMENT ON COLUMN analytics.ledger.sequenced_at IS 'When the sequencer appended it.';
COMMENT ON COLUMN analytics.ledger.organisation IS 'The organisation of the report version it is about (for a review: the reviewed one''s, not the reviewer).';
COMMENT ON COLUMN analytics.ledger.report_id IS 'The report version it is about (analytics.report_history.report_id).';
GRANT SELECT ON analytics.ledger TO supplywatch_analyst;

CREATE VIEW analytics.ledger_heads AS
SELECT h.size, encode(h.root, 'hex') AS root, h.signed_at, h.note, h.key FROM supplywatch.ledger_heads h;
COMMENT ON VIEW analytics.ledger_heads IS 'Every signed tree head (a C2SP checkpoint), by size.';
COMMENT ON COLUMN analytics.ledger_heads.size IS 'How many leaves the head covers.';
COMMENT ON COLUMN analytics.ledger_heads.root IS 'The tree''s root hash at that size, hex.';
COMMENT ON COLUMN analytics.ledger_heads.signed_at IS 'When it was signed (also its checkpoint''s time line).';
COMMENT ON COLUMN analytics.ledger_heads.note IS 'The signed note exactly as served at /api/v1/ledger/head.';
COMMENT ON COLUMN analytics.ledger_heads.key IS 'The verifier key (name+id+public key) whose signature it carries.';
GRANT SELECT ON analytics.ledger_heads TO supplywatch_analyst;
