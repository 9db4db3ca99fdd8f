//! Small pure pieces shared by every layer: civil dates in UTC and UTC+8, the seeded hash, and
//! the audio the speech actions write and read.
//!
//! This module imports nothing from the crate, so that anything may import it.

pub mod audio;
pub mod civil;
pub mod hash;
