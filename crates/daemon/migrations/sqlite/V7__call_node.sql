-- The node that runs each call. One SQLite file serves one daemon, so every row holds the
-- same constant; the column exists so that both backends keep the same rows.
ALTER TABLE calls ADD COLUMN node TEXT NOT NULL DEFAULT 'local';
