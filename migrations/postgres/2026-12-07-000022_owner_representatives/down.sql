ALTER TABLE claims DROP COLUMN owner_representatives;
