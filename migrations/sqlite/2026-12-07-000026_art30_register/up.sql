-- The building's Art. 30 register (issue 32): a defect repaired again and again, opened when a
-- repair completes and makes it a candidate (a serious repeat, or the third repair inside its
-- warranty), and decided by the bureau with a reason and evidence. While an entry of a building's
-- category is open or confirmed, that category's refund is refused (Art. 29-30).
CREATE TABLE art30_entries (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction TEXT NOT NULL,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    category TEXT NOT NULL,
    unit_id TEXT,
    defect_location TEXT NOT NULL,
    defect_component TEXT NOT NULL,
    claim_id TEXT NOT NULL UNIQUE REFERENCES claims(id),
    reason TEXT NOT NULL,
    repairs INTEGER NOT NULL,
    claim_ids TEXT NOT NULL,
    warranty_last_day DATE NOT NULL,
    status TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    evidence_ids TEXT NOT NULL
);
CREATE INDEX art30_entries_by_building ON art30_entries (building_id, category, status);
CREATE INDEX art30_entries_by_jurisdiction ON art30_entries (jurisdiction, status);

-- Early warnings of a building's category for a month, a quarter or a year (issue 32): each once
-- per building, category and period; the developer acknowledges it, then closes it with the cause
-- and the measures taken.
CREATE TABLE defect_warnings (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction TEXT NOT NULL,
    developer_id TEXT NOT NULL REFERENCES organisations(id),
    building_id TEXT NOT NULL REFERENCES buildings(id),
    category TEXT NOT NULL,
    period TEXT NOT NULL,
    level TEXT NOT NULL,
    rule TEXT NOT NULL,
    figures TEXT NOT NULL,
    claim_ids TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    acknowledge_by DATE NOT NULL,
    digested_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT REFERENCES users(id),
    closed_at TIMESTAMP,
    closed_by TEXT REFERENCES users(id),
    cause TEXT,
    measures TEXT,
    UNIQUE (building_id, category, period)
);
CREATE INDEX defect_warnings_by_developer ON defect_warnings (developer_id, raised_at);
CREATE INDEX defect_warnings_by_jurisdiction ON defect_warnings (jurisdiction, raised_at);
-- The warning job and the insights read claims by building, category and filing day.
CREATE INDEX claims_by_building_category ON claims (building_id, category, filed_at);
CREATE INDEX claims_by_jurisdiction_filed ON claims (jurisdiction, filed_at);
CREATE INDEX claims_by_developer_filed ON claims (developer_id, filed_at);
