-- Delivery of the outbox to a webhook (an SMS or push gateway behind it): each entry is one
-- delivery with its own id, tried with backoff until it is sent or, after too many failures,
-- dead-lettered for an administrator to see and retry. Entries withdrawn before sending (a
-- signature request answered in person) are cancelled.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sent', 'dead', 'cancelled'));
ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMP;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
-- Each person's channels beyond the feed: SMS to their phone, push to their phones' app.
ALTER TABLE users ADD COLUMN notify_sms BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN notify_push BOOLEAN NOT NULL DEFAULT TRUE;
