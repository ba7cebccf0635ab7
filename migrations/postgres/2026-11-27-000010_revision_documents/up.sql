-- A cost-sheet revision is one immutable document: its lines are kept in the revision's own row,
-- as a JSON array in line order, instead of a row each. Lines never change after submission, and
-- a phone's push of a hundred five-line revisions no longer writes, indexes and checks the
-- foreign key of five hundred rows. A reviewer's decision on a line is a row of its own.
ALTER TABLE cost_sheets ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
UPDATE cost_sheets s SET lines = (
    SELECT json_agg(json_build_object(
        'kind', l.kind, 'description', l.description, 'unit', l.unit, 'quantity', l.quantity,
        'unit_price_fen', l.unit_price_fen, 'amount_fen', l.amount_fen, 'budget_fen', l.budget_fen
    ) ORDER BY l.line_no)::text
    FROM cost_sheet_lines l WHERE l.cost_sheet_id = s.id
) WHERE EXISTS (SELECT 1 FROM cost_sheet_lines l WHERE l.cost_sheet_id = s.id);
ALTER TABLE cost_sheets ALTER COLUMN lines DROP DEFAULT;

CREATE TABLE line_decisions (
    cost_sheet_id TEXT NOT NULL REFERENCES cost_sheets(id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'cut', 'rejected')),
    approved_fen BIGINT NOT NULL CHECK (approved_fen >= 0),
    reason TEXT,
    PRIMARY KEY (cost_sheet_id, line_no)
);
INSERT INTO line_decisions (cost_sheet_id, line_no, decision, approved_fen, reason)
SELECT cost_sheet_id, line_no, decision, COALESCE(approved_fen, 0), decision_reason
FROM cost_sheet_lines WHERE decision IS NOT NULL;

DROP TABLE cost_sheet_lines;
