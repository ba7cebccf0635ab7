-- Sync protocol v1: per device, the highest mutation number acknowledged, and the recorded outcome
-- of every mutation, so a retry gets the same answer and nothing applies twice.
CREATE TABLE sync_devices (
    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id),
    acknowledged_through BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sync_mutations (
    device_id TEXT NOT NULL REFERENCES devices(id),
    seq BIGINT NOT NULL,
    mutation_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    reason TEXT,
    entity_version BIGINT,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (device_id, seq)
);
