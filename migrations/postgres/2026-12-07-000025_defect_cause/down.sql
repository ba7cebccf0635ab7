ALTER TABLE claims DROP COLUMN defect_solution;
ALTER TABLE claims DROP COLUMN defect_cause;
