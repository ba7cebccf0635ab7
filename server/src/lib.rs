//! Baoxiu: the backend for claims on Shandong's property warranty fund 物业质量保修金.
//!
//! Layers, each in its own folder: `domain` (pure rules), `service` (the use cases, one
//! transaction each, no HTTP), `db` (diesel schema, rows, queries), `auth` (passwords, tokens,
//! extractors), `api` (thin HTTP handlers: extract, call one service, map), and `startup`, which
//! wires them into a server. `tests/e2e/architecture.rs` keeps the edges between them.

pub mod api;
pub mod auth;
pub mod backup;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod media;
pub mod messages;
pub mod metrics;
pub mod printing;
pub mod service;
pub mod startup;
pub mod state;
pub mod tasks;
pub mod web;
