-- The reviewer queue reads claims in index order: jurisdiction, waiting on the bureau, nearest
-- deadline, oldest, id. Claims waiting on the bureau without a legal deadline carry 9999-12-31 so
-- they sort last on both backends without an expression in ORDER BY.
DROP INDEX claims_queue;
UPDATE claims SET bureau_due_on = '9999-12-31' WHERE waiting_on = 'bureau' AND bureau_due_on IS NULL;
CREATE INDEX claims_queue ON claims (jurisdiction, waiting_on, bureau_due_on, filed_at, id);
