//! Compact JSON written straight into a byte buffer, the same bytes `serde_json::to_vec` writes,
//! for the few answers served so often that serde's field-by-field writer shows in a profile.
//!
//! A writer puts the constant parts (`{"Key":"`, `","Next":`…) as literals and the values with
//! [`str_body`], [`u64_to`] and [`bool_to`]; string values are escaped exactly as serde_json
//! escapes them.

/// Whether serde_json writes this byte of a string escaped: `"`, `\` and the C0 controls.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether no byte of `bytes` needs escaping, eight bytes a step (a false "no" only costs the
/// slow path, never different bytes).
fn plain(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether some byte of x is below n (n <= 128): the borrow of a subtraction per byte.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if below(x, 0x20) | below(x ^ (ONES * u64::from(b'"')), 1) | below(x ^ (ONES * u64::from(b'\\')), 1) != 0 {
            return false;
        }
    }
    !chunks.remainder().iter().any(|&b| needs_escape(b))
}

/// The inside of a JSON string (no quotes), escaped as serde_json escapes it.
pub fn str_body(out: &mut Vec<u8>, value: &str) {
    if plain(value.as_bytes()) {
        out.extend_from_slice(value.as_bytes());
        return;
    }
    // Rare (names chosen by a client): serde_json's own escaping, so the bytes are its.
    let quoted = serde_json::to_vec(value).expect("a string always serializes");
    out.extend_from_slice(&quoted[1..quoted.len() - 1]);
}

/// `true` or `false`.
pub fn bool_to(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// The two-digit numbers 00 to 99, each as two ASCII digits.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// A number in decimal, two digits a step.
pub fn u64_to(out: &mut Vec<u8>, value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = value;
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(value: &str) -> Vec<u8> {
        let mut out = vec![b'"'];
        str_body(&mut out, value);
        out.push(b'"');
        out
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é漢字😀\u{7f}/");
        let mut values: Vec<String> =
            ["", "plain", "a\"b", "back\\slash", "tab\tnew\nline", "\u{1}\u{1f}", "exactly8", "sixteen-bytes-ok"]
                .map(str::to_owned)
                .to_vec();
        values.push(all);
        // Every special byte at every position of a word and of the tail.
        for special in ['"', '\\', '\u{0}', '\u{1f}', ' ', '\u{7f}', 'é'] {
            for at in 0..19 {
                let mut value: String = "abcdefghijklmnopqr".to_owned();
                value.insert(at, special);
                values.push(value);
            }
        }
        for value in &values {
            assert_eq!(quoted(value), serde_json::to_vec(value).unwrap(), "{value:?}");
        }
    }

    #[test]
    fn numbers_and_booleans_are_serde_json_s() {
        for n in [0, 1, 9, 10, 99, 100, 101, 999, 1000, 1_590_066_000, 10_000_000_000_000_000_000, u64::MAX] {
            let mut out = Vec::new();
            u64_to(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
        for b in [true, false] {
            let mut out = Vec::new();
            bool_to(&mut out, b);
            assert_eq!(out, serde_json::to_vec(&b).unwrap());
        }
    }
}
