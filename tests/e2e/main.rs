//! Baoxiu's end-to-end suite: one binary, the real server on port 0, HTTP all the way.
//! Runs on SQLite, or on PostgreSQL when `BAOXIU_TEST_DATABASE_URL` is set.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod architecture;
mod auth;
mod backups;
mod blobs;
mod browser;
mod browser_forms;
mod browser_pages;
mod browser_parties;
mod claims;
mod clocks;
mod console;
mod deployment;
mod devices;
mod documents;
mod field;
mod field_app;
mod files;
mod forms;
mod fund;
mod fund_year;
mod health;
mod hostile;
mod insights;
mod interleavings;
mod language;
mod migrations;
mod notices;
mod offline;
mod pages;
mod permissions;
mod plans;
mod recurrence;
mod registry;
mod servers;
mod snapshots;
mod soak;
mod sync;
mod sync_pull;
mod texts;
mod tokens;
mod trust;
mod warnings;
