//! trtc-mock: a local emulator of the Tencent Cloud TRTC server API (API 3.0, service `trtc`,
//! version `2019-07-22`) that the official SDKs can call unmodified.
//!
//! A request travels through the modules in this order:
//!
//! - [`gateway`]: parse the HTTP request, authenticate it (TC3-HMAC-SHA256 or v1), check the
//!   common parameters, apply the per-action rate limit;
//! - [`catalog`]: the API definition as data — validate the action's parameters;
//! - [`actions`]: thin typed handlers, one module per family;
//! - [`world`]: the virtual clock, the generated history, fixtures and task state;
//! - [`envelope`]: the one builder of `{"Response": {...}}` answers, errors included.
//!
//! Beside the API, [`control`] serves `/_mock/`: health, reset, fixtures, the request journal,
//! fault injection and the clock.
//!
//! [`Running`] starts a server on any address (port 0 included) for tests and embedding.

pub mod actions;
pub mod app;
pub mod catalog;
pub mod config;
pub mod control;
pub mod envelope;
pub mod error;
pub mod gateway;
pub mod pure;
pub mod server;
pub mod world;

pub use app::App;
pub use config::{Account, Config};
pub use error::{ApiError, ApiResult, Language};
pub use server::{Running, router, serve};
