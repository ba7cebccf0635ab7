-- A claim's defect coding (issue 32): the coded location and component, the severity, the version
-- of the code list they come from; an uncoded claim (filed before coding) keeps them empty.
ALTER TABLE claims ADD COLUMN defect_location TEXT;
ALTER TABLE claims ADD COLUMN defect_component TEXT;
ALTER TABLE claims ADD COLUMN severity TEXT;
ALTER TABLE claims ADD COLUMN defect_codes_version TEXT;
