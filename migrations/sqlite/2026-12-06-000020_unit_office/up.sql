-- A repair unit's office (its dispatchers) reads its field staff's rejected sync mutations; a
-- technician reads only their own.
ALTER TABLE memberships ADD COLUMN office BOOLEAN NOT NULL DEFAULT 0;
