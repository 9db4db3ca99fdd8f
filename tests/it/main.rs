//! The black-box suites, in one test binary: each module starts the server (in process or as
//! the built binary) and speaks to it over a socket with the signer of `common`, which is written
//! from the documentation, not from `src/`. One binary links once instead of thirty times.
//! (`tests/scale_memory.rs` and `tests/fuzz_harness.rs` stay apart: one installs a global
//! allocator, the other includes the fuzz crate's body.)
//!
//! One suite: `cargo test --test it rooms::`.

mod ai;
mod call_detail;
mod callbacks;
mod catalog;
mod cli;
mod codes;
mod common;
mod connections;
mod control;
mod dashboard;
mod gateway;
mod ingest;
mod invariants;
mod memory;
mod moderation;
mod monitoring;
mod pictures;
mod properties;
mod recording;
mod relay;
mod robustness;
mod rooms;
mod slicing;
mod soak;
mod speech;
mod task_usage;
mod throttle;
mod ui;
mod usage;
mod web_record;
