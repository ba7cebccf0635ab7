-- A claim of a defect already claimed (issue 32, Art. 30): the open claim it duplicates, or the
-- completed repair it repeats within the window.
ALTER TABLE claims ADD COLUMN duplicate_of TEXT;
ALTER TABLE claims ADD COLUMN repeat_of TEXT;
