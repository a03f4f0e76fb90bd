-- The first answer to each instruction-id of a tenant, kept 24 h, so a repeated request gets
-- it again instead of new calls.
CREATE TABLE idempotency (
    tenant TEXT NOT NULL,
    instruction_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    response TEXT NOT NULL,
    PRIMARY KEY (tenant, instruction_id)
);
CREATE INDEX idempotency_created ON idempotency(created_ms);
