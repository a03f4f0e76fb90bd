-- The trunks' call budgets shared by every node of a cluster (issue 14, item 5): N nodes
-- together never send a trunk more than its max-cps INVITEs in a window, nor hold more
-- than its max-concurrent calls. Times are the database's clock, never a node's (the
-- nodes' clocks may be skewed).

-- One row per INVITE granted and still inside its calls-per-second window; older rows are
-- pruned by trunk_acquire as it goes.
CREATE TABLE trunk_grants (
    trunk TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX trunk_grants_by_trunk ON trunk_grants (trunk, granted_at);

-- The calls each node holds on a trunk: counted against max-concurrent, decremented when
-- a call ends, and deleted with the node when it is lost (or restarts), so a dead node
-- cannot keep a trunk's concurrency forever.
CREATE TABLE trunk_holds (
    trunk TEXT NOT NULL,
    node TEXT NOT NULL,
    held INTEGER NOT NULL CHECK (held >= 0),
    PRIMARY KEY (trunk, node)
);

-- Takes one call of p_trunk's budget for p_node, if it has one left: one round trip, one
-- transaction, serialised per trunk by an advisory lock (two-key form, first key
-- 0x766f7471, apart from the store's other locks). The clock is read after the lock, so
-- grants are timed in the order they are made. A NULL limit is no limit.
-- granted: taken; otherwise retry_ms is how long until a rate slot frees (NULL: only a
-- call ending frees budget).
CREATE FUNCTION trunk_acquire(
    p_trunk TEXT,
    p_node TEXT,
    p_max_cps INTEGER,
    p_max_concurrent INTEGER,
    p_slot_ms INTEGER,
    OUT granted BOOLEAN,
    OUT retry_ms BIGINT
) LANGUAGE plpgsql AS $$
DECLARE
    slot INTERVAL := p_slot_ms * INTERVAL '1 millisecond';
    t TIMESTAMPTZ;
    recent BIGINT;
    oldest TIMESTAMPTZ;
    active BIGINT;
BEGIN
    granted := FALSE;
    retry_ms := NULL;
    PERFORM pg_advisory_xact_lock(1987015793, hashtext(p_trunk));
    t := clock_timestamp();
    DELETE FROM trunk_grants WHERE trunk = p_trunk AND granted_at <= t - slot;
    IF p_max_concurrent IS NOT NULL THEN
        SELECT COALESCE(SUM(held), 0) INTO active FROM trunk_holds WHERE trunk = p_trunk;
        IF active >= p_max_concurrent THEN
            RETURN;
        END IF;
    END IF;
    IF p_max_cps IS NOT NULL THEN
        SELECT COUNT(*), MIN(granted_at) INTO recent, oldest
        FROM trunk_grants WHERE trunk = p_trunk;
        IF recent >= p_max_cps THEN
            retry_ms := GREATEST(0, CEIL(EXTRACT(EPOCH FROM (oldest + slot - t)) * 1000))::BIGINT;
            RETURN;
        END IF;
        INSERT INTO trunk_grants (trunk, granted_at) VALUES (p_trunk, t);
    END IF;
    IF p_max_concurrent IS NOT NULL THEN
        INSERT INTO trunk_holds (trunk, node, held) VALUES (p_trunk, p_node, 1)
        ON CONFLICT (trunk, node) DO UPDATE SET held = trunk_holds.held + 1;
    END IF;
    granted := TRUE;
END;
$$;
