//! The `portico` program: configuration, the commands, and the composition root that wires storage, use
//! cases, job workers and the HTTP edge together. The test kit starts servers through [`server::start`],
//! exactly as `portico serve` does.

pub mod cli;
pub mod config;
pub mod listener;
pub mod model;
pub mod server;
pub mod telemetry;
