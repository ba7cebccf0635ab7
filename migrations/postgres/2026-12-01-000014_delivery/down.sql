ALTER TABLE users DROP COLUMN notify_push;
ALTER TABLE users DROP COLUMN notify_sms;
DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN last_error;
ALTER TABLE outbox DROP COLUMN next_attempt_at;
ALTER TABLE outbox DROP COLUMN status;
