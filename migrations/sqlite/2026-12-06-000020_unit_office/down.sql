ALTER TABLE memberships DROP COLUMN office;
