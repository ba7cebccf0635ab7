-- Claims on the fund, their plans and cost sheets, and the audit trail.
-- jurisdiction, estate_id, developer_id and property_manager_id are copied from the registry when a
-- claim is filed, so the reviewer queue and scoped reads need no joins.

CREATE TABLE claims (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('standard', 'emergency_advance')),
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL CHECK (waiting_on IN ('bureau', 'developer', 'repair_unit', 'applicant', 'nobody')),
    jurisdiction TEXT NOT NULL,
    estate_id TEXT NOT NULL REFERENCES estates(id),
    building_id TEXT NOT NULL REFERENCES buildings(id),
    unit_id TEXT REFERENCES units(id),
    developer_id TEXT NOT NULL REFERENCES organisations(id),
    property_manager_id TEXT REFERENCES organisations(id),
    location TEXT NOT NULL CHECK (location IN ('private_part', 'common_part')),
    category TEXT NOT NULL,
    location_detail TEXT NOT NULL,
    description TEXT NOT NULL,
    applicant_id TEXT NOT NULL REFERENCES users(id),
    applicant_capacity TEXT NOT NULL CHECK (applicant_capacity IN ('owner', 'property_manager', 'owners_committee')),
    with_owner_representatives BOOLEAN NOT NULL,
    warranty_last_day DATE NOT NULL,
    advanced_amount_fen BIGINT CHECK (advanced_amount_fen > 0),
    repair_unit_id TEXT REFERENCES organisations(id),
    rejection_reason TEXT,
    rejection_note TEXT,
    plan_approved BOOLEAN NOT NULL DEFAULT FALSE,
    cost_sheet_signed BOOLEAN NOT NULL DEFAULT FALSE,
    cost_sheet_verified BOOLEAN NOT NULL DEFAULT FALSE,
    developer_reply_due_on DATE,
    cost_sheet_received_at TIMESTAMP,
    payout_due_on DATE,
    usage_notice_due_on DATE,
    -- The nearest legal deadline while the claim waits on the bureau; the queue orders by it.
    bureau_due_on DATE,
    version INTEGER NOT NULL DEFAULT 1,
    filed_at TIMESTAMP NOT NULL
);
CREATE INDEX claims_queue ON claims (jurisdiction, waiting_on, bureau_due_on, filed_at);
CREATE INDEX claims_by_applicant ON claims (applicant_id);
CREATE INDEX claims_by_unit ON claims (unit_id);
CREATE INDEX claims_by_repair_unit ON claims (repair_unit_id);
CREATE INDEX claims_by_developer ON claims (developer_id);
CREATE INDEX claims_by_property_manager ON claims (property_manager_id);

-- The payment of a claim (Art. 23): one per claim, never changed.
CREATE TABLE payouts (
    claim_id TEXT PRIMARY KEY NOT NULL REFERENCES claims(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    payee TEXT NOT NULL CHECK (payee IN ('applicant', 'repair_unit')),
    paid_on DATE NOT NULL,
    bank_reference TEXT NOT NULL,
    cost_sheet_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);

-- Evidence attached to a claim, by the id the evidence store gave it.
CREATE TABLE claim_evidence (
    claim_id TEXT NOT NULL REFERENCES claims(id),
    evidence_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('before', 'during', 'after', 'receipt', 'inspection_report', 'signature')),
    attached_by TEXT NOT NULL REFERENCES users(id),
    attached_at TIMESTAMP NOT NULL,
    PRIMARY KEY (claim_id, evidence_id)
);

-- The repair unit's plan and budget (Art. 22); each submission is a new revision.
CREATE TABLE repair_plans (
    id TEXT PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims(id),
    revision INTEGER NOT NULL,
    description TEXT NOT NULL,
    budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
    submitted_by TEXT NOT NULL REFERENCES users(id),
    submitted_at TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'returned')),
    decision_comment TEXT,
    decided_by TEXT REFERENCES users(id),
    decided_at TIMESTAMP,
    UNIQUE (claim_id, revision)
);

-- Cost-sheet revisions (Art. 22): immutable once submitted; a change is a new revision.
CREATE TABLE cost_sheets (
    id TEXT PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims(id),
    revision INTEGER NOT NULL,
    total_fen BIGINT NOT NULL,
    budget_total_fen BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    signed_by TEXT REFERENCES users(id),
    signed_at TIMESTAMP,
    approved_total_fen BIGINT,
    verified_by TEXT REFERENCES users(id),
    verified_at TIMESTAMP,
    UNIQUE (claim_id, revision)
);

CREATE TABLE cost_sheet_lines (
    cost_sheet_id TEXT NOT NULL REFERENCES cost_sheets(id),
    line_no INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('material', 'labour', 'machinery', 'other')),
    description TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price_fen BIGINT NOT NULL CHECK (unit_price_fen >= 0),
    amount_fen BIGINT NOT NULL,
    budget_fen BIGINT NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'cut', 'rejected')),
    approved_fen BIGINT,
    decision_reason TEXT,
    PRIMARY KEY (cost_sheet_id, line_no)
);

-- Every change to a claim: who, when, from which device, before and after. Append-only.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims(id),
    actor_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT,
    action TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_by_claim ON audit_log (claim_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
