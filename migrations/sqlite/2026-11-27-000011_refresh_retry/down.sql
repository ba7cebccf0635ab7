ALTER TABLE refresh_tokens DROP COLUMN replaced_by;
