//! Small pure pieces shared by every layer: civil dates in UTC and UTC+8, the seeded hash, and
//! picture decoding.
//!
//! This module imports nothing from the crate, so that anything may import it.

pub mod civil;
pub mod hash;
pub mod image;
