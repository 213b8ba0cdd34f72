//! End-to-end tests against a real server on a real socket. Every storage-touching test runs on SQLite
//! and on PostgreSQL (`both!`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod account_journey;
mod accounts;
mod admin;
mod apidocs;
mod auth;
mod browser;
mod errors;
mod hardening;
mod jobs;
mod kb;
mod kb_journey;
mod mail;
mod ops;
mod pages;
mod requests;
mod requests_journey;
mod search;
mod semantic;
mod storage;
mod throttle;
mod tokens;
mod viewer;
