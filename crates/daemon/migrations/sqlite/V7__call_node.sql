-- The node (`[cluster] node-id`) that accepted each call; rows from before get `local`.
-- One SQLite file serves one daemon, so a restart still closes every open call, whatever
-- node id it had.
ALTER TABLE calls ADD COLUMN node TEXT NOT NULL DEFAULT 'local';
