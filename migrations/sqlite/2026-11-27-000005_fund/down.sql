DROP TABLE shortfalls;
DROP TABLE journal;
DROP TABLE deposit_payments;
DROP TABLE deposit_evidence;
DROP TABLE deposit_notices;
