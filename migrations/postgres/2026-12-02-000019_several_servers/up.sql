-- Several servers over one database: what one process used to keep in memory lives here.

-- A resumable upload's bytes are parts in the blob store, one per chunk that arrived; the row
-- says how far the upload has got (`received`), and each part where it starts. A chunk becomes
-- part of the upload only by moving `received` from its start to its end, so two servers writing
-- the same upload cannot both add one, and a server that dies mid-chunk adds nothing.
ALTER TABLE uploads ADD COLUMN received BIGINT NOT NULL DEFAULT 0;
CREATE TABLE upload_parts (
    upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    length BIGINT NOT NULL CHECK (length > 0),
    object_key TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);

-- Periodic work runs once per period for the whole deployment: the server that inserts the row
-- for (job, period) runs it; if it dies before finishing, another takes the run over once the
-- lease has passed.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    instance TEXT NOT NULL,
    lease_until TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    failed BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (job, period)
);

-- Rate limits shared by every server: hits per key (what is limited, and for whom) in the current
-- fixed window.
CREATE TABLE rate_windows (
    key TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL
);
