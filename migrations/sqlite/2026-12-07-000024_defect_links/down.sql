ALTER TABLE claims DROP COLUMN repeat_of;
ALTER TABLE claims DROP COLUMN duplicate_of;
