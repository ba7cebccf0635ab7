-- The console counts the bureau's claims by state on every queue page: an index that answers it
-- without reading the rows.
CREATE INDEX claims_queue_states ON claims (jurisdiction, waiting_on, state);
