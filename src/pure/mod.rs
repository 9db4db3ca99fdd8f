//! Small pure pieces shared by every layer: civil dates in UTC and UTC+8, and the seeded hash.
//!
//! This module imports nothing from the crate, so that anything may import it.

pub mod civil;
pub mod hash;
