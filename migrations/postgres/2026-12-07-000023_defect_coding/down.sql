ALTER TABLE claims DROP COLUMN defect_codes_version;
ALTER TABLE claims DROP COLUMN severity;
ALTER TABLE claims DROP COLUMN defect_component;
ALTER TABLE claims DROP COLUMN defect_location;
