-- What the velocity limits count: calls per callee and per tenant by age, and the tenant's
-- calls not yet ended.
CREATE INDEX calls_callee_created ON calls(callee, created_ms);
CREATE INDEX calls_tenant_created ON calls(tenant, created_ms);
CREATE INDEX calls_tenant_open ON calls(tenant) WHERE result_code IS NULL;
