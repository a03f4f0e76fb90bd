-- First schema.
CREATE TABLE instructions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instruction_id TEXT,
    kind TEXT NOT NULL,
    caller TEXT NOT NULL,
    anonymous INTEGER NOT NULL,
    callback_url TEXT,
    voicemail_response TEXT,
    created_ms INTEGER NOT NULL
);
CREATE TABLE calls (
    call_id TEXT PRIMARY KEY,
    instruction_row INTEGER NOT NULL REFERENCES instructions(id),
    instruction_id TEXT,
    kind TEXT NOT NULL,
    caller TEXT NOT NULL,
    callee TEXT NOT NULL,
    callback_url TEXT,
    created_ms INTEGER NOT NULL,
    result_code INTEGER,
    started_ms INTEGER,
    answered_ms INTEGER,
    ended_ms INTEGER,
    code_read_count INTEGER,
    replays INTEGER,
    dtmf TEXT,
    sip_code INTEGER,
    sip_reason TEXT
);
CREATE INDEX calls_started ON calls(started_ms);
CREATE INDEX calls_instruction ON calls(instruction_id);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    delivered_ms INTEGER,
    gave_up INTEGER NOT NULL DEFAULT 0,
    last_status TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE delivered_ms IS NULL AND gave_up = 0;
