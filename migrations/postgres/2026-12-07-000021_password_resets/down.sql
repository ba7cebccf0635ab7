DROP INDEX audit_log_by_actor;
DROP TABLE password_resets;
