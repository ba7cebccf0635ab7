-- The report date the applicant declares (Art. 18), stored beside the filing date so the bureau
-- sees both; earlier claims were filed on the day they were reported.
ALTER TABLE claims ADD COLUMN reported_on DATE;
UPDATE claims SET reported_on = date(filed_at, '+8 hours');
-- The developer's promised repair date (Art. 17) and the testing agency's due date (Art. 24): a
-- claim waiting on either returns to the bureau's queue when it passes.
ALTER TABLE claims ADD COLUMN repair_due_on DATE;
ALTER TABLE claims ADD COLUMN inspection_due_on DATE;
-- The bureau records the testing agency's finding (Art. 24): an inspection is the bureau's to
-- follow, in its queue. Inspections already running have no due date; they sort last.
UPDATE claims SET waiting_on = 'bureau', bureau_due_on = '9999-12-31' WHERE state = 'under_inspection';
-- The document that shows a developer cannot repair (Art. 17) is evidence of its own kind. SQLite
-- cannot change a CHECK in place: the table is rebuilt with the same rows.
CREATE TABLE claim_evidence_new (
    claim_id TEXT NOT NULL REFERENCES claims(id),
    evidence_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('before', 'during', 'after', 'receipt', 'inspection_report', 'signature', 'developer_status')),
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
INSERT INTO claim_evidence_new SELECT claim_id, evidence_id, kind, attached_by, attached_at, visit_id, cost_sheet_id, line_no, reported_taken_at, reported_lat, reported_lng FROM claim_evidence;
DROP TABLE claim_evidence;
ALTER TABLE claim_evidence_new RENAME TO claim_evidence;
CREATE INDEX claim_evidence_by_file ON claim_evidence (evidence_id);
