-- The successor a refresh token was exchanged for, so that an exchange whose answer was lost can be
-- repeated while that successor has never been presented (db::accounts::rotate_refresh_token).
ALTER TABLE refresh_tokens ADD COLUMN replaced_by TEXT;
