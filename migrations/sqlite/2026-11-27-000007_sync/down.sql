DROP TABLE sync_mutations;
DROP TABLE sync_devices;
