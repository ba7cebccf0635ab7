DROP TABLE audit_log;
DROP TABLE cost_sheet_lines;
DROP TABLE cost_sheets;
DROP TABLE repair_plans;
DROP TABLE claim_evidence;
DROP TABLE payouts;
DROP TABLE claims;
DROP FUNCTION audit_log_append_only();
