-- Interest runs, refund holds and yearly publications (Art. 27-30).

-- One row per posted interest period and jurisdiction; periods never overlap, so re-running a
-- period can never post its interest twice.
CREATE TABLE interest_runs (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    total_fen BIGINT NOT NULL,
    posted_by TEXT NOT NULL REFERENCES users(id),
    posted_at TIMESTAMP NOT NULL,
    CHECK (period_to > period_from)
);
CREATE INDEX interest_runs_by_jurisdiction ON interest_runs (jurisdiction, period_from);

-- A serious, repeatedly repaired defect that still impairs use holds a category's refund (Art. 30).
CREATE TABLE refund_holds (
    id TEXT PRIMARY KEY NOT NULL,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL REFERENCES users(id),
    placed_at TIMESTAMP NOT NULL,
    lifted_by TEXT REFERENCES users(id),
    lifted_at TIMESTAMP,
    lift_reason TEXT
);
CREATE INDEX refund_holds_by_building ON refund_holds (building_id, category);

-- A building's yearly statement as the bureau published it to the owners (Art. 28).
CREATE TABLE publications (
    building_id TEXT NOT NULL REFERENCES buildings(id),
    year INTEGER NOT NULL,
    published_by TEXT NOT NULL REFERENCES users(id),
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (building_id, year)
);
