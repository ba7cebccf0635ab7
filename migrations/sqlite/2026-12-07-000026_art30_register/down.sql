DROP INDEX claims_by_developer_filed;
DROP INDEX claims_by_jurisdiction_filed;
DROP INDEX claims_by_building_category;
DROP TABLE defect_warnings;
DROP TABLE art30_entries;
