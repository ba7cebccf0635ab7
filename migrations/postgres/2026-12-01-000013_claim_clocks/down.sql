DELETE FROM claim_evidence WHERE kind = 'developer_status';
ALTER TABLE claim_evidence DROP CONSTRAINT claim_evidence_kind_check;
ALTER TABLE claim_evidence ADD CONSTRAINT claim_evidence_kind_check
    CHECK (kind IN ('before', 'during', 'after', 'receipt', 'inspection_report', 'signature'));
UPDATE claims SET waiting_on = 'developer', bureau_due_on = NULL WHERE state = 'under_inspection';
ALTER TABLE claims DROP COLUMN inspection_due_on;
ALTER TABLE claims DROP COLUMN repair_due_on;
ALTER TABLE claims DROP COLUMN reported_on;
