-- An estate's owners' committee 业主委员会 and its members (Art. 20): with one, the committee or the
-- property manager applies for common parts; without one, the property manager applies together
-- with elected owner representatives.
CREATE TABLE owners_committees (
    estate_id TEXT PRIMARY KEY NOT NULL REFERENCES estates(id),
    name TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE committee_members (
    estate_id TEXT NOT NULL REFERENCES owners_committees(estate_id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (estate_id, user_id)
);
