//! Small pure pieces shared by every layer: civil dates in UTC and UTC+8, the seeded hash, callback JSON,
//! compact JSON written by hand for the hottest answers,
//! UserSig (TLSSigAPIv2) verification, picture decoding, and the audio the speech actions write and read.
//!
//! This module imports nothing from the crate, so that anything may import it.

pub mod audio;
pub mod civil;
pub mod cjson;
pub mod hash;
pub mod image;
pub mod json_out;
pub mod usersig;
