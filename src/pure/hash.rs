//! The seeded hash every deterministic choice is made from: stable across platforms and Rust
//! versions, so that the same seed gives the same bytes everywhere.

/// Hashes `parts` together under `seed` with SplitMix64.
pub fn mix(seed: u64, parts: &[u64]) -> u64 {
    let mut h = seed ^ 0x6a09_e667_f3bc_c908;
    for part in parts {
        h = splitmix64(h ^ part.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    h
}

/// One SplitMix64 step: a bijective scramble of a 64-bit word.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a text, to feed strings into [`mix`].
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A uniform draw in `0..n` from a hash (`n` > 0); the bias is below 2⁻³² for the ranges used.
pub fn below(hash: u64, n: u64) -> u64 {
    ((u128::from(hash) * u128::from(n)) >> 64) as u64
}

/// A uniform draw in `[0, 1)` from a hash.
pub fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// A fast hasher for maps keyed by a few integers (the generator's caches), seeded at random per
/// map so that a client cannot choose colliding keys ahead of time: a SplitMix64 step per word
/// instead of SipHash's rounds.
#[derive(Clone, Debug)]
pub struct IntKeys {
    seed: u64,
}

impl Default for IntKeys {
    fn default() -> Self {
        use std::hash::BuildHasher;
        Self { seed: std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) }
    }
}

impl std::hash::BuildHasher for IntKeys {
    type Hasher = IntHasher;

    fn build_hasher(&self) -> IntHasher {
        IntHasher(self.seed)
    }
}

/// The [`IntKeys`] hasher.
#[derive(Clone, Debug)]
pub struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = splitmix64(self.0 ^ n);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_pinned() {
        // Changing these changes every generated history: only on purpose.
        assert_eq!(mix(0, &[]), 0x6a09_e667_f3bc_c908);
        assert_eq!(mix(20_190_722, &[1, 1_400_000_001, 470_000]), 0x1ab7_d5c8_4462_5ecd);
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(mix(1, &[2]), mix(2, &[1]));
    }

    #[test]
    fn int_keys_tell_keys_apart() {
        use std::hash::BuildHasher;
        let keys = IntKeys::default();
        assert_eq!(keys.hash_one((1u64, 2u64, 3u32)), keys.hash_one((1u64, 2u64, 3u32)));
        assert_ne!(keys.hash_one((1u64, 2u64, 3u32)), keys.hash_one((2u64, 1u64, 3u32)));
        assert_ne!(keys.hash_one((1u64, 2u64)), IntKeys::default().hash_one((1u64, 2u64)), "seeded per map");
        let mut map = std::collections::HashMap::with_hasher(IntKeys::default());
        for i in 0..1000u64 {
            map.insert((i, i / 7, i as u32), i);
        }
        assert!((0..1000u64).all(|i| map[&(i, i / 7, i as u32)] == i));
    }

    #[test]
    fn draws_stay_in_range() {
        for i in 0..1000u64 {
            let h = mix(7, &[i]);
            assert!(below(h, 10) < 10);
            assert!((0.0..1.0).contains(&unit(h)));
        }
        assert_eq!(below(u64::MAX, 10), 9);
        assert_eq!(below(0, 10), 0);
    }
}
