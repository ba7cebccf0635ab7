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
INSERT INTO cost_sheet_lines
SELECT s.id, l.n::INTEGER, l.v->>'kind', l.v->>'description', l.v->>'unit', l.v->>'quantity',
       (l.v->>'unit_price_fen')::BIGINT, (l.v->>'amount_fen')::BIGINT, (l.v->>'budget_fen')::BIGINT,
       d.decision, d.approved_fen, d.reason
FROM cost_sheets s
CROSS JOIN LATERAL json_array_elements(s.lines::json) WITH ORDINALITY AS l(v, n)
LEFT JOIN line_decisions d ON d.cost_sheet_id = s.id AND d.line_no = l.n;
DROP TABLE line_decisions;
ALTER TABLE cost_sheets DROP COLUMN lines;
