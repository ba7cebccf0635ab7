-- What the repair found (issue 32): the cause from the code list and the solution, recorded by the
-- repair unit when it hands the signed cost sheet in.
ALTER TABLE claims ADD COLUMN defect_cause TEXT;
ALTER TABLE claims ADD COLUMN defect_solution TEXT;
