-- SQLite cannot drop columns that carry a foreign key, so the table is rebuilt as it was.
DROP INDEX claim_evidence_by_file;
CREATE TABLE claim_evidence_before (
    claim_id TEXT NOT NULL REFERENCES claims(id),
    evidence_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('before', 'during', 'after', 'receipt', 'inspection_report', 'signature')),
    attached_by TEXT NOT NULL REFERENCES users(id),
    attached_at TIMESTAMP NOT NULL,
    PRIMARY KEY (claim_id, evidence_id)
);
INSERT INTO claim_evidence_before SELECT claim_id, evidence_id, kind, attached_by, attached_at FROM claim_evidence;
DROP TABLE claim_evidence;
ALTER TABLE claim_evidence_before RENAME TO claim_evidence;
DROP TABLE uploads;
DROP TABLE files;
DROP TABLE blobs;
