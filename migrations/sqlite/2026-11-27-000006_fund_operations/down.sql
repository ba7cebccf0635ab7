DROP TABLE publications;
DROP TABLE refund_holds;
DROP TABLE interest_runs;
