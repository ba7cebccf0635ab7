-- An approved plan's budget is set line by line (Art. 22), so that each cost-sheet line is measured
-- against the plan's line it carries out. JSON like a cost sheet's lines: kind, description, unit
-- and budget_fen per line; '[]' for plans with one total only.
ALTER TABLE repair_plans ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
