DROP TABLE shortfalls;
DROP TABLE journal;
DROP TABLE deposit_payments;
DROP TABLE deposit_evidence;
DROP TABLE deposit_notices;
DROP FUNCTION journal_append_only();
