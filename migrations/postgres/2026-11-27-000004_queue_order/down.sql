DROP INDEX claims_queue;
UPDATE claims SET bureau_due_on = NULL WHERE bureau_due_on = '9999-12-31';
CREATE INDEX claims_queue ON claims (jurisdiction, waiting_on, bureau_due_on, filed_at);
