DROP INDEX claims_queue_states;
