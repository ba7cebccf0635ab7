-- SQLite cannot drop columns that carry a foreign key or an index; the added columns stay (they
-- are nullable or defaulted, so the previous schema's code ignores them).
DROP INDEX audit_by_change;
DROP TABLE change_counter;
DROP INDEX cost_sheets_by_hash;
