DELETE FROM claim_evidence WHERE kind = 'developer_status';
CREATE TABLE claim_evidence_old (
    claim_id TEXT NOT NULL REFERENCES claims(id),
    evidence_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('before', 'during', 'after', 'receipt', 'inspection_report', 'signature')),
    attached_by TEXT NOT NULL REFERENCES users(id),
    attached_at TIMESTAMP NOT NULL,
    visit_id TEXT REFERENCES visits(id),
    cost_sheet_id TEXT REFERENCES cost_sheets(id),
    line_no INTEGER,
    reported_taken_at TIMESTAMP,
    reported_lat DOUBLE PRECISION,
    reported_lng DOUBLE PRECISION,
    PRIMARY KEY (claim_id, evidence_id)
);
INSERT INTO claim_evidence_old SELECT claim_id, evidence_id, kind, attached_by, attached_at, visit_id, cost_sheet_id, line_no, reported_taken_at, reported_lat, reported_lng FROM claim_evidence;
DROP TABLE claim_evidence;
ALTER TABLE claim_evidence_old RENAME TO claim_evidence;
CREATE INDEX claim_evidence_by_file ON claim_evidence (evidence_id);
UPDATE claims SET waiting_on = 'developer', bureau_due_on = NULL WHERE state = 'under_inspection';
ALTER TABLE claims DROP COLUMN inspection_due_on;
ALTER TABLE claims DROP COLUMN repair_due_on;
ALTER TABLE claims DROP COLUMN reported_on;
