ALTER TABLE repair_plans DROP COLUMN lines;
