DROP TABLE rate_windows;
DROP TABLE job_runs;
DROP TABLE upload_parts;
ALTER TABLE uploads DROP COLUMN received;
