-- The warranty fund: deposit notices and payments, and the append-only journal every balance is
-- derived from (Art. 7-16, 27-30).

CREATE TABLE deposit_notices (
    id TEXT PRIMARY KEY NOT NULL,
    -- One deposit per building, in one sum (Art. 12).
    building_id TEXT NOT NULL UNIQUE REFERENCES buildings(id),
    jurisdiction TEXT NOT NULL,
    developer_id TEXT NOT NULL REFERENCES organisations(id),
    cost_fen BIGINT NOT NULL CHECK (cost_fen >= 0),
    class TEXT NOT NULL,
    rate TEXT NOT NULL,
    reductions TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    due_on DATE NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    objection_due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('notified', 'objected', 'confirmed', 'paid')),
    objection TEXT,
    objected_at TIMESTAMP,
    recheck_note TEXT,
    rechecked_at TIMESTAMP,
    paid_fen BIGINT NOT NULL DEFAULT 0,
    late_fee_fen BIGINT NOT NULL DEFAULT 0,
    certificate_number TEXT UNIQUE,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE deposit_evidence (
    notice_id TEXT NOT NULL REFERENCES deposit_notices(id),
    evidence_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('insurance_policy', 'performance_certificate', 'award', 'credit_rating')),
    PRIMARY KEY (notice_id, evidence_id)
);

CREATE TABLE deposit_payments (
    id TEXT PRIMARY KEY NOT NULL,
    notice_id TEXT NOT NULL REFERENCES deposit_notices(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_on DATE NOT NULL,
    bank_reference TEXT NOT NULL,
    late_fee_fen BIGINT NOT NULL CHECK (late_fee_fen >= 0),
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX deposit_payments_by_notice ON deposit_payments (notice_id, paid_on);

CREATE TABLE journal (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction TEXT NOT NULL,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    category TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('deposit', 'award_refund', 'interest', 'late_fee', 'payout', 'refund', 'reversal')),
    -- Signed: positive into the fund, negative out of it.
    amount_fen BIGINT NOT NULL,
    entry_date DATE NOT NULL,
    claim_id TEXT REFERENCES claims(id),
    reverses_id TEXT UNIQUE REFERENCES journal(id),
    reverses_kind TEXT,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX journal_by_building ON journal (building_id, category, entry_date);
CREATE INDEX journal_by_jurisdiction ON journal (jurisdiction, entry_date);

-- What a payout could not be covered by, recorded against the developer.
CREATE TABLE shortfalls (
    id TEXT PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims(id),
    building_id TEXT NOT NULL REFERENCES buildings(id),
    developer_id TEXT NOT NULL REFERENCES organisations(id),
    category TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    recorded_at TIMESTAMP NOT NULL
);

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
