-- Each node's last heartbeat, so the others can tell when it is gone and record its
-- un-ended calls as 11 "node lost".
CREATE TABLE nodes (
    node TEXT PRIMARY KEY,
    heartbeat_ms BIGINT NOT NULL
);
