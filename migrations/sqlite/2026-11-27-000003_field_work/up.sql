-- Work orders and site visits, notifications with their delivery outbox, and return visits.

CREATE TABLE work_orders (
    id TEXT PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims(id),
    repair_unit_id TEXT NOT NULL REFERENCES organisations(id),
    technician_id TEXT REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'scheduled', 'in_progress', 'follow_up', 'completed')),
    description TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    -- Urgent problems are on site within 24 hours of the order.
    on_site_by TIMESTAMP,
    window_start TIMESTAMP,
    window_end TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX work_orders_by_claim ON work_orders (claim_id);
CREATE INDEX work_orders_by_technician ON work_orders (technician_id, status);
CREATE INDEX work_orders_by_repair_unit ON work_orders (repair_unit_id, status);

CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    technician_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT,
    check_in_at TIMESTAMP NOT NULL,
    check_in_device_at TIMESTAMP,
    check_in_lat DOUBLE PRECISION,
    check_in_lng DOUBLE PRECISION,
    check_out_at TIMESTAMP,
    check_out_device_at TIMESTAMP,
    check_out_lat DOUBLE PRECISION,
    check_out_lng DOUBLE PRECISION,
    notes TEXT,
    outcome TEXT CHECK (outcome IN ('done', 'partial', 'follow_up'))
);
CREATE INDEX visits_by_work_order ON visits (work_order_id, check_in_at);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    claim_id TEXT REFERENCES claims(id),
    work_order_id TEXT REFERENCES work_orders(id),
    -- Makes raising the same notice twice a no-op (deadline notices are raised by a timer).
    dedup_key TEXT NOT NULL UNIQUE,
    params TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);

-- What an SMS or push sender still has to deliver.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    notification_id TEXT NOT NULL REFERENCES notifications(id),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'push')),
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_pending ON outbox (sent_at, created_at);

-- The applicant's rating after payment 回访.
CREATE TABLE return_visits (
    claim_id TEXT PRIMARY KEY NOT NULL REFERENCES claims(id),
    repair_unit_id TEXT REFERENCES organisations(id),
    attitude INTEGER NOT NULL CHECK (attitude BETWEEN 1 AND 5),
    quality INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 5),
    resolution INTEGER NOT NULL CHECK (resolution BETWEEN 1 AND 5),
    comment TEXT,
    rated_by TEXT NOT NULL REFERENCES users(id),
    rated_at TIMESTAMP NOT NULL
);
CREATE INDEX return_visits_by_repair_unit ON return_visits (repair_unit_id);
