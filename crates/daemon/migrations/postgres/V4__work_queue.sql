-- The shared work queue. An accepted call waits in `calls` itself until a node with a free
-- slot claims it:
--   state 'queued'   accepted, `node` NULL, `sealed_spec` holds its call spec (the code
--                    included) sealed under the cluster secret (src/cluster/sealed.rs);
--   state 'claimed'  `node` took it (FOR UPDATE SKIP LOCKED) and is opening the spec;
--   state 'dialling' `node` placed it: from here only `node` ends it (or a survivor, as
--                    11 "node lost", when `node` stops heart-beating);
--   state 'ended'    it has an outcome (the outcome columns, as before).
-- `sealed_spec` is cleared when the call is dialled and on every end, so the sealed code
-- lies in the database only while the call waits. A lost node's 'claimed' calls go back to
-- 'queued' with `node` NULL, for another node to place.
ALTER TABLE calls ADD COLUMN state TEXT NOT NULL DEFAULT 'dialling'
    CHECK (state IN ('queued', 'claimed', 'dialling', 'ended'));
UPDATE calls SET state = 'ended' WHERE result_code IS NOT NULL;
ALTER TABLE calls ADD COLUMN sealed_spec BYTEA;
ALTER TABLE calls ALTER COLUMN node DROP NOT NULL;
CREATE INDEX calls_queued ON calls(seq) WHERE state = 'queued';
CREATE INDEX calls_node_claimed ON calls(node) WHERE state = 'claimed';
