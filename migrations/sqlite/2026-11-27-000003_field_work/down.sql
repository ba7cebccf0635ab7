DROP TABLE return_visits;
DROP TABLE outbox;
DROP TABLE notifications;
DROP TABLE visits;
DROP TABLE work_orders;
