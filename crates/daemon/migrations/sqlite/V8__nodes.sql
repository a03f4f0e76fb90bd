-- Each node's last heartbeat, so the others can tell when it is gone.
CREATE TABLE nodes (
    node TEXT PRIMARY KEY,
    heartbeat_ms INTEGER NOT NULL
);
