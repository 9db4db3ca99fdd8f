//! Small pure pieces shared by every layer: civil dates in UTC and UTC+8, the seeded hash, and
//! UserSig (TLSSigAPIv2) verification.
//!
//! This module imports nothing from the crate, so that anything may import it.

pub mod civil;
pub mod cjson;
pub mod hash;
pub mod usersig;
