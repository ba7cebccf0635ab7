-- Sync protocol v1, second part.
-- Cost-sheet revisions name their parent by canonical hash; two revisions from one parent are both
-- kept and flagged for a person to choose. The applicant's confirmation may come from a phone:
-- who signed on site, the handwritten-signature image, and the capturing device's signature.
ALTER TABLE cost_sheets ADD COLUMN revision_hash TEXT;
ALTER TABLE cost_sheets ADD COLUMN parent_hash TEXT;
ALTER TABLE cost_sheets ADD COLUMN conflict BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cost_sheets ADD COLUMN signer_name TEXT;
ALTER TABLE cost_sheets ADD COLUMN signer_phone TEXT;
ALTER TABLE cost_sheets ADD COLUMN signature_file_id TEXT REFERENCES files(id);
ALTER TABLE cost_sheets ADD COLUMN signing_device_id TEXT REFERENCES devices(id);
ALTER TABLE cost_sheets ADD COLUMN device_signature TEXT;
CREATE UNIQUE INDEX cost_sheets_by_hash ON cost_sheets (claim_id, revision_hash);

-- Change numbers for pull. Every change to a claim, its work orders or its cost sheets writes an
-- audit entry; the entry takes the next number from this one-row counter inside the writing
-- transaction. The row lock serialises writers from allocation to commit, so numbers become
-- visible in order and a pull never skips a change that committed late (PROTOCOL.md, "Pull").
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last BIGINT NOT NULL
);
INSERT INTO change_counter (id, last) VALUES (1, 0);
ALTER TABLE audit_log ADD COLUMN change_seq BIGINT;
CREATE INDEX audit_by_change ON audit_log (change_seq);
