-- The receiver (the URL's authority) of each delivery, so the worker can skip a receiver that
-- already has its share of deliveries in flight. Rows of version 1 get it from their URL
-- (stored normalised, so a `/` always ends the authority).
ALTER TABLE outbox ADD COLUMN receiver TEXT NOT NULL DEFAULT '';
UPDATE outbox SET receiver = substr(url, instr(url, '://') + 3,
    instr(substr(url, instr(url, '://') + 3) || '/', '/') - 1);
