UPDATE cost_sheets SET signed_by = (SELECT applicant_id FROM claims WHERE claims.id = cost_sheets.claim_id)
WHERE witnessed_by IS NOT NULL AND signed_at IS NOT NULL;
ALTER TABLE cost_sheets DROP COLUMN dispute_reason;
ALTER TABLE cost_sheets DROP COLUMN disputed_at;
ALTER TABLE cost_sheets DROP COLUMN witnessed_by;
