//! UserSig (TLSSigAPIv2, HMAC-SHA256): verify what a team's backend minted, and mint for tests.
//!
//! A UserSig is a JSON document (`TLS.ver` "2.0", identifier, sdkappid, time, expire, optional
//! userbuf, and `TLS.sig` = Base64(HMAC-SHA256(key, "TLS.identifier:…\n…"))), zlib-compressed,
//! base64-encoded with `+ / =` written `* - _`. The official libraries differ in key order,
//! whitespace, escaping, trailing newline and compression level, so the verifier parses the
//! JSON and recomputes the MAC from the decoded fields; it never compares bytes.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Longest UserSig looked at; real ones are a few hundred characters (a PrivateMapKey a bit more).
pub const MAX_LEN: usize = 4096;
/// Largest inflated document: bounds the work a crafted (zip-bomb) sig can cause.
const MAX_INFLATED: u64 = 8192;

/// Why a UserSig was refused; [`Refusal::reason`] is what the request journal shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not base64 in the UserSig alphabet, not zlib, not JSON, or a field missing or mistyped.
    Malformed(&'static str),
    /// `TLS.ver` is not "2.0" (the retired ECDSA format, for one).
    Version(String),
    SdkAppId {
        expected: u64,
        found: u64,
    },
    Identifier {
        expected: String,
        found: String,
    },
    Expired {
        at: u64,
        now: u64,
    },
    /// The MAC does not match: minted with another key.
    BadSignature,
}

impl Refusal {
    pub fn reason(&self) -> String {
        match self {
            Refusal::Malformed(what) => format!("not a UserSig: {what}"),
            Refusal::Version(v) => format!("unsupported UserSig version {v:?} (only TLSSigAPIv2 \"2.0\")"),
            Refusal::SdkAppId { expected, found } => {
                format!("minted for SdkAppId {found}, used with SdkAppId {expected}")
            }
            Refusal::Identifier { expected, found } => {
                format!("minted for UserId {found:?}, used for UserId {expected:?}")
            }
            Refusal::Expired { at, now } => format!("expired at {at} (now {now})"),
            Refusal::BadSignature => "signature does not match the app's key (wrong key?)".to_owned(),
        }
    }
}

/// The fields of a verified UserSig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub time: u64,
    pub expire: u64,
    /// The decoded userbuf (a PrivateMapKey's permissions), if any.
    pub userbuf: Option<Vec<u8>>,
}

fn mac_input(identifier: &str, sdk_app_id: u64, time: u64, expire: u64, userbuf_b64: Option<&str>) -> String {
    let mut out =
        format!("TLS.identifier:{identifier}\nTLS.sdkappid:{sdk_app_id}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(buf) = userbuf_b64 {
        out.push_str("TLS.userbuf:");
        out.push_str(buf);
        out.push('\n');
    }
    out
}

fn mac(key: &str, input: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The JSON document inside a UserSig.
fn decode(sig: &str) -> Result<Value, Refusal> {
    if sig.is_empty() || sig.len() > MAX_LEN {
        return Err(Refusal::Malformed("empty or too long"));
    }
    let standard: String = sig
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect();
    let compressed = STANDARD.decode(standard).map_err(|_| Refusal::Malformed("not base64"))?;
    let mut text = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(MAX_INFLATED)
        .read_to_end(&mut text)
        .map_err(|_| Refusal::Malformed("not zlib"))?;
    serde_json::from_slice(&text).map_err(|_| Refusal::Malformed("not JSON"))
}

fn number(doc: &Value, field: &'static str) -> Result<u64, Refusal> {
    match doc.get(field) {
        Some(Value::Number(n)) => n.as_u64().ok_or(Refusal::Malformed(field)),
        // Numeric strings are harmless to accept; no official library writes them.
        Some(Value::String(s)) => s.parse().map_err(|_| Refusal::Malformed(field)),
        _ => Err(Refusal::Malformed(field)),
    }
}

fn text<'a>(doc: &'a Value, field: &'static str) -> Result<&'a str, Refusal> {
    doc.get(field).and_then(Value::as_str).ok_or(Refusal::Malformed(field))
}

/// Verifies `sig` for (`sdk_app_id`, `user_id`) with `key` at Unix time `now`, in the order of
/// the official verifiers: format, version, SdkAppId, identifier, expiry, then the MAC.
pub fn verify(sig: &str, key: &str, sdk_app_id: u64, user_id: &str, now: u64) -> Result<Verified, Refusal> {
    let doc = decode(sig)?;
    let version = doc.get("TLS.ver").and_then(Value::as_str).unwrap_or_default();
    if version != "2.0" {
        return Err(Refusal::Version(version.to_owned()));
    }
    let found_app = number(&doc, "TLS.sdkappid")?;
    if found_app != sdk_app_id {
        return Err(Refusal::SdkAppId { expected: sdk_app_id, found: found_app });
    }
    let identifier = text(&doc, "TLS.identifier")?;
    if identifier != user_id {
        return Err(Refusal::Identifier { expected: user_id.to_owned(), found: identifier.to_owned() });
    }
    let time = number(&doc, "TLS.time")?;
    let expire = number(&doc, "TLS.expire")?;
    let at = time.checked_add(expire).ok_or(Refusal::Malformed("TLS.expire"))?;
    if now > at {
        return Err(Refusal::Expired { at, now });
    }
    let userbuf_b64 = match doc.get("TLS.userbuf") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(Refusal::Malformed("TLS.userbuf")),
    };
    let claimed = STANDARD.decode(text(&doc, "TLS.sig")?).map_err(|_| Refusal::Malformed("TLS.sig"))?;
    let expected = mac(key, &mac_input(identifier, sdk_app_id, time, expire, userbuf_b64));
    if !bool::from(expected.ct_eq(&claimed)) {
        return Err(Refusal::BadSignature);
    }
    let userbuf = match userbuf_b64 {
        Some(b) => Some(STANDARD.decode(b).map_err(|_| Refusal::Malformed("TLS.userbuf"))?),
        None => None,
    };
    Ok(Verified { time, expire, userbuf })
}

/// Mints a UserSig the way the official Python library lays it out (for tests and the control plane).
pub fn mint(key: &str, sdk_app_id: u64, user_id: &str, time: u64, expire: u64) -> String {
    mint_with(key, sdk_app_id, user_id, time, expire, None)
}

/// Mints a PrivateMapKey (a UserSig carrying `permit` as its userbuf), laid out as the official
/// Python library's `gen_privatemap_key` does.
pub fn mint_private_map_key(key: &str, time: u64, expire: u64, permit: &RoomPermit) -> String {
    let buf = permit_bytes(permit);
    mint_with(key, u64::from(permit.sdk_app_id), &permit.user_id, time, expire, Some(&buf))
}

fn mint_with(key: &str, sdk_app_id: u64, user_id: &str, time: u64, expire: u64, userbuf: Option<&[u8]>) -> String {
    use std::io::Write;
    let userbuf = userbuf.map(|b| STANDARD.encode(b));
    let sig = STANDARD.encode(mac(key, &mac_input(user_id, sdk_app_id, time, expire, userbuf.as_deref())));
    let userbuf = userbuf.map_or_else(String::new, |b| format!(", \"TLS.userbuf\": \"{b}\""));
    // Python's json.dumps: this key order, ", " and ": " separators, non-ASCII as \uXXXX.
    let doc = format!(
        "{{\"TLS.ver\": \"2.0\", \"TLS.identifier\": {}, \"TLS.sdkappid\": {sdk_app_id}, \"TLS.expire\": {expire}, \"TLS.time\": {time}{userbuf}, \"TLS.sig\": \"{sig}\"}}",
        ascii_json(user_id)
    );
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(doc.as_bytes()).expect("writing to memory");
    let compressed = z.finish().expect("writing to memory");
    STANDARD
        .encode(compressed)
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// A JSON string with every non-ASCII character escaped, as Python's `ensure_ascii` writes it.
fn ascii_json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A PrivateMapKey's userbuf: who it is for, which room, until when, and what it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPermit {
    pub user_id: String,
    pub sdk_app_id: u32,
    /// The numeric room (0 for a string room).
    pub room_number: u32,
    pub room_string: Option<String>,
    pub expires_at: u32,
    /// Bits: 1 create, 2 enter, 4 send audio, 8 receive audio, 16 send video, 32 receive video,
    /// 64 send sub-stream, 128 receive sub-stream.
    pub privileges: u32,
}

/// Writes a PrivateMapKey userbuf (the layout [`room_permit`] reads).
pub fn permit_bytes(permit: &RoomPermit) -> Vec<u8> {
    let mut out = vec![u8::from(permit.room_string.is_some())];
    let user = permit.user_id.as_bytes();
    out.extend_from_slice(&u16::try_from(user.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(&user[..user.len().min(usize::from(u16::MAX))]);
    for word in [permit.sdk_app_id, permit.room_number, permit.expires_at, permit.privileges, 0] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    if let Some(room) = &permit.room_string {
        let room = room.as_bytes();
        out.extend_from_slice(&u16::try_from(room.len()).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(&room[..room.len().min(usize::from(u16::MAX))]);
    }
    out
}

/// Reads a PrivateMapKey userbuf (big-endian, the layout of the official libraries).
pub fn room_permit(buf: &[u8]) -> Option<RoomPermit> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let end = at.checked_add(n)?;
        let out = buf.get(at..end)?;
        at = end;
        Some(out)
    };
    let version = take(1)?[0];
    let len = u16::from_be_bytes(take(2)?.try_into().ok()?) as usize;
    let user_id = String::from_utf8(take(len)?.to_vec()).ok()?;
    let mut word = || -> Option<u32> { Some(u32::from_be_bytes(take(4)?.try_into().ok()?)) };
    let sdk_app_id = word()?;
    let room_number = word()?;
    let expires_at = word()?;
    let privileges = word()?;
    let _account_type = word()?;
    let room_string = if version == 1 {
        let len = u16::from_be_bytes(take(2)?.try_into().ok()?) as usize;
        Some(String::from_utf8(take(len)?.to_vec()).ok()?)
    } else {
        None
    };
    Some(RoomPermit { user_id, sdk_app_id, room_number, room_string, expires_at, privileges })
}

/// Privilege bits of a PrivateMapKey.
pub mod privilege {
    pub const ENTER: u32 = 2;
    pub const SEND_AUDIO: u32 = 4;
    pub const RECEIVE_AUDIO: u32 = 8;
    pub const SEND_VIDEO: u32 = 16;
    pub const RECEIVE_VIDEO: u32 = 32;
}

/// Verifies a PrivateMapKey for (`sdk_app_id`, `user_id`) entering the room (`numeric`,
/// `room_id`) at `now`: a UserSig whose userbuf names that user, app and room, has not expired,
/// allows entering and at least one of the bits of `any_of`. The error is the reason, for the
/// journal.
pub fn verify_private_map_key(
    key_material: &str,
    key: &str,
    sdk_app_id: u64,
    user_id: &str,
    room: (bool, &str),
    now: u64,
    any_of: u32,
) -> Result<RoomPermit, String> {
    let verified = verify(key_material, key, sdk_app_id, user_id, now).map_err(|r| r.reason())?;
    let buf = verified.userbuf.ok_or("a UserSig without room permissions (no TLS.userbuf), not a PrivateMapKey")?;
    let permit = room_permit(&buf).ok_or("its TLS.userbuf is not a PrivateMapKey's layout")?;
    if permit.user_id != user_id {
        return Err(format!("its permissions are for user {:?}, not {user_id:?}", permit.user_id));
    }
    if u64::from(permit.sdk_app_id) != sdk_app_id {
        return Err(format!("its permissions are for SdkAppId {}, not {sdk_app_id}", permit.sdk_app_id));
    }
    let (numeric, room_id) = room;
    let same_room = match &permit.room_string {
        Some(name) => !numeric && name == room_id,
        None => numeric && room_id.parse::<u64>().is_ok_and(|n| n == u64::from(permit.room_number)),
    };
    if !same_room {
        let named = permit.room_string.clone().unwrap_or_else(|| permit.room_number.to_string());
        return Err(format!("its permissions are for room {named:?}, not {room_id:?}"));
    }
    if u64::from(permit.expires_at) < now {
        return Err(format!("its room permissions expired at {}, now is {now}", permit.expires_at));
    }
    if permit.privileges & privilege::ENTER == 0 {
        return Err(format!("its privileges {} do not allow entering the room (bit 2)", permit.privileges));
    }
    if permit.privileges & any_of == 0 {
        return Err(format!("its privileges {} allow none of the bits {any_of} the robot needs", permit.privileges));
    }
    Ok(permit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    // V1 of the official Python library (time 1700000000, expire 15552000).
    const V1: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__";

    fn inflate(sig: &str) -> Vec<u8> {
        let standard = sig.replace('*', "+").replace('-', "/").replace('_', "=");
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(STANDARD.decode(standard).unwrap().as_slice()).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn minting_lays_the_document_out_as_the_python_library_does() {
        // The deflate stream may differ between zlib implementations; the document may not.
        let minted = mint(KEY, 1_400_000_000, "xiaojun", 1_700_000_000, 15_552_000);
        assert_eq!(inflate(&minted), inflate(V1));
        assert!(verify(&minted, KEY, 1_400_000_000, "xiaojun", 1_700_000_000).is_ok());
    }

    #[test]
    fn checks_in_the_official_order() {
        let ok = verify(V1, KEY, 1_400_000_000, "xiaojun", 1_715_552_000).unwrap();
        assert_eq!((ok.time, ok.expire, ok.userbuf), (1_700_000_000, 15_552_000, None));
        assert!(matches!(verify(V1, KEY, 1_400_000_000, "xiaojun", 1_715_552_001), Err(Refusal::Expired { .. })));
        assert!(matches!(verify(V1, KEY, 1_400_000_001, "other", 1), Err(Refusal::SdkAppId { .. })));
        assert!(matches!(verify(V1, KEY, 1_400_000_000, "other", 1), Err(Refusal::Identifier { .. })));
        assert_eq!(verify(V1, "wrong", 1_400_000_000, "xiaojun", 1), Err(Refusal::BadSignature));
        assert!(matches!(verify("abc", KEY, 1, "x", 1), Err(Refusal::Malformed(_))));
    }

    #[test]
    fn a_zip_bomb_is_cut_short() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b' '; 1 << 20]).unwrap();
        let sig = STANDARD.encode(z.finish().unwrap()).replace('+', "*").replace('/', "-").replace('=', "_");
        assert!(sig.len() < MAX_LEN);
        assert!(matches!(verify(&sig, KEY, 1, "x", 1), Err(Refusal::Malformed(_))));
    }
}
