-- The schema of SQLite's versions 1 to 7 in one step, in PostgreSQL's types: times are
-- bigint milliseconds, flags are boolean. `calls.seq` orders calls of the same start time
-- the way SQLite's rowid does; `calls.node` is the node that runs the call, so a restarted
-- node closes only its own orphans.
CREATE TABLE instructions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instruction_id TEXT,
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    caller TEXT NOT NULL,
    anonymous BOOLEAN NOT NULL,
    callback_url TEXT,
    voicemail_response TEXT,
    created_ms BIGINT NOT NULL
);

CREATE TABLE calls (
    call_id TEXT PRIMARY KEY,
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    instruction_row BIGINT NOT NULL REFERENCES instructions(id),
    instruction_id TEXT,
    tenant TEXT NOT NULL,
    node TEXT NOT NULL,
    kind TEXT NOT NULL,
    caller TEXT NOT NULL,
    callee TEXT NOT NULL,
    callback_url TEXT,
    created_ms BIGINT NOT NULL,
    result_code INTEGER,
    started_ms BIGINT,
    answered_ms BIGINT,
    ended_ms BIGINT,
    code_read_count INTEGER,
    replays INTEGER,
    dtmf TEXT,
    sip_code INTEGER,
    sip_reason TEXT,
    input_digits TEXT,
    input_status TEXT,
    input_attempts INTEGER,
    keypress_check TEXT
);
CREATE INDEX calls_started ON calls(started_ms);
CREATE INDEX calls_instruction ON calls(instruction_id);
CREATE INDEX calls_tenant_started ON calls(tenant, started_ms);
CREATE INDEX calls_callee_created ON calls(callee, created_ms);
CREATE INDEX calls_tenant_created ON calls(tenant, created_ms);
CREATE INDEX calls_tenant_open ON calls(tenant) WHERE result_code IS NULL;
CREATE INDEX calls_node_open ON calls(node) WHERE result_code IS NULL;

CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id TEXT NOT NULL,
    url TEXT NOT NULL,
    receiver TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    delivered_ms BIGINT,
    gave_up BOOLEAN NOT NULL DEFAULT FALSE,
    last_status TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE delivered_ms IS NULL AND NOT gave_up;

CREATE TABLE idempotency (
    tenant TEXT NOT NULL,
    instruction_id TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    response TEXT NOT NULL,
    PRIMARY KEY (tenant, instruction_id)
);
CREATE INDEX idempotency_created ON idempotency(created_ms);
