-- Evidence files (issue 5). A blob is a file's bytes, named by their SHA-256 and stored once; a
-- file is one completed upload of a blob by one person (and device); an upload is a resumable
-- transfer in progress. claim_evidence.evidence_id names a file from here on: before this
-- migration evidence ids were not checked against any store.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
    size BIGINT NOT NULL CHECK (size >= 0),
    media_type TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    width INTEGER,
    height INTEGER,
    -- What the file's EXIF says: capture time (UTC), position, camera, orientation.
    taken_at TIMESTAMP,
    gps_lat DOUBLE PRECISION,
    gps_lng DOUBLE PRECISION,
    camera TEXT,
    orientation INTEGER NOT NULL DEFAULT 1,
    has_exif BOOLEAN NOT NULL,
    derivatives TEXT NOT NULL CHECK (derivatives IN ('none', 'pending', 'ready', 'failed')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX blobs_pending ON blobs (derivatives);

CREATE TABLE files (
    id TEXT PRIMARY KEY NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    device_id TEXT REFERENCES devices(id),
    filename TEXT,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX files_by_hash ON files (sha256);
CREATE INDEX files_by_uploader ON files (uploaded_by, received_at);

CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT REFERENCES devices(id),
    length BIGINT NOT NULL CHECK (length > 0),
    sha256 TEXT NOT NULL,
    filename TEXT,
    claim_id TEXT REFERENCES claims(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    file_id TEXT REFERENCES files(id)
);
CREATE INDEX uploads_by_expiry ON uploads (expires_at);

-- Evidence links to a visit or a cost-sheet line of its claim, and keeps what the device reported.
ALTER TABLE claim_evidence ADD COLUMN visit_id TEXT REFERENCES visits(id);
ALTER TABLE claim_evidence ADD COLUMN cost_sheet_id TEXT REFERENCES cost_sheets(id);
ALTER TABLE claim_evidence ADD COLUMN line_no INTEGER;
ALTER TABLE claim_evidence ADD COLUMN reported_taken_at TIMESTAMP;
ALTER TABLE claim_evidence ADD COLUMN reported_lat DOUBLE PRECISION;
ALTER TABLE claim_evidence ADD COLUMN reported_lng DOUBLE PRECISION;
CREATE INDEX claim_evidence_by_file ON claim_evidence (evidence_id);
