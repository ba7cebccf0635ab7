-- A confirmation captured on a technician's phone is the technician's witness of the applicant's
-- signature, not the applicant's own act (Art. 22): `witnessed_by` names the technician and
-- `signed_by` stays empty; the applicant may dispute it before the bureau verifies.
ALTER TABLE cost_sheets ADD COLUMN witnessed_by TEXT;
ALTER TABLE cost_sheets ADD COLUMN disputed_at TIMESTAMP;
ALTER TABLE cost_sheets ADD COLUMN dispute_reason TEXT;
-- Sheets signed in person before this change recorded the applicant as the signer: they become
-- witnessed by the owner of the phone that captured them.
UPDATE cost_sheets
SET witnessed_by = (SELECT devices.user_id FROM devices WHERE devices.id = cost_sheets.signing_device_id),
    signed_by = NULL
WHERE signer_name IS NOT NULL AND signed_at IS NOT NULL;
