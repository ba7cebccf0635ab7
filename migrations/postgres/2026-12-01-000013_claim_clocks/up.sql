-- The report date the applicant declares (Art. 18), stored beside the filing date so the bureau
-- sees both; earlier claims were filed on the day they were reported.
ALTER TABLE claims ADD COLUMN reported_on DATE;
UPDATE claims SET reported_on = (filed_at + INTERVAL '8 hours')::date;
-- The developer's promised repair date (Art. 17) and the testing agency's due date (Art. 24): a
-- claim waiting on either returns to the bureau's queue when it passes.
ALTER TABLE claims ADD COLUMN repair_due_on DATE;
ALTER TABLE claims ADD COLUMN inspection_due_on DATE;
-- The bureau records the testing agency's finding (Art. 24): an inspection is the bureau's to
-- follow, in its queue. Inspections already running have no due date; they sort last.
UPDATE claims SET waiting_on = 'bureau', bureau_due_on = '9999-12-31' WHERE state = 'under_inspection';
-- The document that shows a developer cannot repair (Art. 17) is evidence of its own kind.
ALTER TABLE claim_evidence DROP CONSTRAINT claim_evidence_kind_check;
ALTER TABLE claim_evidence ADD CONSTRAINT claim_evidence_kind_check
    CHECK (kind IN ('before', 'during', 'after', 'receipt', 'inspection_report', 'signature', 'developer_status'));
