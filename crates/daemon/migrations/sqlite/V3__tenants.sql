-- The tenant of each instruction and call; rows from before tenants belonged to the only
-- client there was, the `default` tenant of `[http] tokens`.
ALTER TABLE instructions ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
ALTER TABLE calls ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
CREATE INDEX calls_tenant_started ON calls(tenant, started_ms);
