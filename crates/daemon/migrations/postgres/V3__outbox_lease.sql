-- Callback deliveries are claimed with a lease, so that of several nodes on one outbox
-- one POSTs an event at a time: `lease_node` took the row until `lease_until_ms`. A row is
-- due to another node only once the lease has expired (its holder died mid-delivery); an
-- attempt recorded clears the lease. NULL: not leased.
ALTER TABLE outbox ADD COLUMN lease_node TEXT;
ALTER TABLE outbox ADD COLUMN lease_until_ms BIGINT;
