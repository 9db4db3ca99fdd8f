//! Authentication: who signed the request, and did they sign what was received.
//!
//! Orchestration only; the signature arithmetic is in [`super::tc3`] and [`super::v1`]. The
//! checks run in the real gateway's order — authorization format, timestamp, SecretId,
//! signature, token — and `now` is passed in (signatures are checked against the wall clock,
//! since clients sign with it).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::parse::{Common, Received, Style, X_TC_CONTENT_SHA256, header};
use super::{tc3, v1};
use crate::config::Account;
use crate::error::ApiError;

/// How far `X-TC-Timestamp` may be from the server's clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;

/// What the server computed for a signature it refused: shown in the request journal so that a
/// user debugging their own signer can compare.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignatureDebug {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_request: Option<String>,
    pub string_to_sign: String,
}

/// An authentication failure, with the server's side of the computation when it was a
/// signature mismatch.
#[derive(Debug)]
pub struct Refusal {
    pub error: ApiError,
    pub debug: Option<SignatureDebug>,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self { error, debug: None }
    }
}

/// The accounts the emulator accepts, and a cache of TC3 signing keys, derived and keyed into
/// HMAC (they depend only on secret, date and service, so the HMAC chain and the key's pads are
/// hashed once a day per client).
pub struct Credentials {
    accounts: HashMap<String, Arc<Account>>,
    /// By a hash of (SecretId, date, service); an entry is used only when all three match, so a
    /// collision costs a derivation, never a wrong key. Looked up without allocating.
    keys: RwLock<HashMap<u64, CachedKey>>,
    hasher: RandomState,
}

struct CachedKey {
    secret_id: String,
    date: String,
    service: String,
    keyed: tc3::Keyed,
}

const KEY_CACHE_LIMIT: usize = 4096;

impl Credentials {
    pub fn new(accounts: &[Account]) -> Self {
        let accounts = accounts.iter().map(|a| (a.secret_id.clone(), Arc::new(a.clone()))).collect();
        Self { accounts, keys: RwLock::new(HashMap::new()), hasher: RandomState::new() }
    }

    pub fn account(&self, secret_id: &str) -> Option<&Arc<Account>> {
        self.accounts.get(secret_id)
    }

    fn signing_key(&self, account: &Account, date: &str, service: &str) -> tc3::Keyed {
        let slot = self.hasher.hash_one((account.secret_id.as_str(), date, service));
        if let Some(found) = self.keys.read().expect("key cache lock").get(&slot)
            && found.secret_id == account.secret_id
            && found.date == date
            && found.service == service
        {
            return found.keyed.clone();
        }
        let keyed = tc3::Keyed::new(&tc3::signing_key(&account.secret_key, date, service));
        let mut keys = self.keys.write().expect("key cache lock");
        if keys.len() >= KEY_CACHE_LIMIT {
            keys.clear();
        }
        let entry = CachedKey {
            secret_id: account.secret_id.clone(),
            date: date.to_owned(),
            service: service.to_owned(),
            keyed: keyed.clone(),
        };
        keys.insert(slot, entry);
        keyed
    }
}

/// Verifies a request; on success returns the account that signed it.
pub fn authenticate(
    credentials: &Credentials,
    received: &Received,
    common: &Common<'_>,
    now: i64,
) -> Result<Arc<Account>, Refusal> {
    match common.style {
        Style::Tc3 => authenticate_tc3(credentials, received, common, now),
        Style::V1(method) => authenticate_v1(credentials, received, common, method, now),
    }
}

/// The SecretId a request claims, without verifying anything (for `--auth off` and the journal).
pub fn claimed_secret_id(common: &Common<'_>) -> Option<String> {
    if let Some(v1) = &common.v1 {
        return Some(v1.secret_id.clone());
    }
    match &common.tc3 {
        Some(Ok(auth)) => Some(auth.secret_id.to_owned()),
        _ => None,
    }
}

/// The timestamp window. The distance is taken without overflow: a client may send any `i64`
/// (`now - timestamp` alone overflows for `timestamp = now - 2^63`).
fn check_skew(timestamp: i64, now: i64) -> Result<(), ApiError> {
    if now.abs_diff(timestamp) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(ApiError::signature_expire());
    }
    Ok(())
}

fn check_token(account: &Account, token: Option<&str>) -> Result<(), ApiError> {
    let ok = match (&account.token, token) {
        (None, None) => true,
        (Some(expected), Some(sent)) => bool::from(expected.as_bytes().ct_eq(sent.as_bytes())),
        _ => false,
    };
    if ok { Ok(()) } else { Err(ApiError::token_failure()) }
}

fn authenticate_tc3(
    credentials: &Credentials,
    received: &Received,
    common: &Common<'_>,
    now: i64,
) -> Result<Arc<Account>, Refusal> {
    // `common` holds the header parsed; a request classed TC3 without one fails as an empty one.
    let unparsed;
    let parsed = match &common.tc3 {
        Some(parsed) => parsed,
        None => {
            unparsed = tc3::Authorization::parse(common.authorization.unwrap_or_default());
            &unparsed
        }
    };
    let auth = parsed.as_ref().map_err(|reason| ApiError::invalid_authorization(reason))?;
    let signed = signed_values(received, auth.signed_headers)?;
    check_skew(common.timestamp, now)?;
    let account = credentials.account(auth.secret_id).ok_or_else(ApiError::secret_id_not_found)?;
    let key = credentials.signing_key(account, auth.date, auth.service);

    let payload_hash = if received.method == axum::http::Method::GET {
        tc3::sha256_hex_array(b"")
    } else if header(&received.headers, &X_TC_CONTENT_SHA256) == Some(tc3::UNSIGNED_PAYLOAD) {
        tc3::sha256_hex_array(tc3::UNSIGNED_PAYLOAD.as_bytes())
    } else {
        tc3::sha256_hex_array(&received.body)
    };
    let payload_hash = tc3::hex_str(&payload_hash);
    let query = if received.method == axum::http::Method::GET { received.query.as_str() } else { "" };
    // The canonical request and the string to sign are hashed as they are written; they are
    // built as text only to show a refusal.
    let debug = |variant: Variant| {
        let canonical = canonical_for(received, &signed, variant, auth.signed_headers, payload_hash);
        let string_to_sign = tc3::string_to_sign(&common.timestamp_text, auth.date, auth.service, &canonical);
        SignatureDebug { canonical_request: Some(canonical), string_to_sign }
    };
    let mut first = None;
    for variant in variants(&signed) {
        let mut hasher = Sha256::new();
        tc3::write_canonical_request(
            &mut hasher,
            received.method.as_str(),
            query,
            variant_values(&signed, variant),
            auth.signed_headers,
            payload_hash,
        );
        let canonical_hash = tc3::hex_array(&hasher.finalize().into());
        let signature = key.sign(&common.timestamp_text, auth.date, auth.service, tc3::hex_str(&canonical_hash));
        if bool::from(signature.ct_eq(&auth.signature)) {
            // The scope date must be the UTC date of the timestamp the client signed.
            if !crate::pure::civil::is_utc_date(auth.date, common.timestamp) {
                return Err(Refusal { error: ApiError::signature_failure(), debug: Some(debug(variant)) });
            }
            check_token(account, common.token.as_deref())?;
            return Ok(Arc::clone(account));
        }
        first.get_or_insert(variant);
    }
    Err(Refusal { error: ApiError::signature_failure(), debug: first.map(debug) })
}

/// The values of the signed headers, in `SignedHeaders` order, read once (repeated header lines
/// are joined the way HTTP folds them). Refused before anything is copied when the canonical
/// request would exceed [`tc3::MAX_CANONICAL_REQUEST`].
fn signed_values<'r>(
    received: &'r Received,
    signed_headers: &'r str,
) -> Result<Vec<(&'r str, Cow<'r, str>)>, ApiError> {
    let text = |v: &'r axum::http::HeaderValue| std::str::from_utf8(v.as_bytes()).ok();
    let lengths = signed_headers.split(';').map(|name| {
        let len = if name == "host" {
            received.host.len()
        } else {
            received.headers.get_all(name).iter().fold(0usize, |sum, v| sum.saturating_add(v.len() + 1))
        };
        (name, len)
    });
    let query = if received.method == axum::http::Method::GET { received.query.as_str() } else { "" };
    let needed = tc3::canonical_request_len(received.method.as_str(), query, lengths, signed_headers);
    if needed > tc3::MAX_CANONICAL_REQUEST {
        return Err(ApiError::invalid_authorization(&format!(
            "the signed headers and query make a canonical request of {needed} bytes, over the limit of {} bytes",
            tc3::MAX_CANONICAL_REQUEST
        )));
    }
    Ok(signed_headers
        .split(';')
        .map(|name| {
            let value = if name == "host" {
                Cow::Borrowed(received.host.as_str())
            } else {
                let mut all = received.headers.get_all(name).iter().filter_map(text);
                match (all.next(), all.next()) {
                    (None, _) => Cow::Borrowed(""),
                    (Some(one), None) => Cow::Borrowed(one),
                    (Some(a), Some(b)) => {
                        let mut joined = format!("{a},{b}");
                        for more in all {
                            joined.push(',');
                            joined.push_str(more);
                        }
                        Cow::Owned(joined)
                    }
                }
            };
            (name, value)
        })
        .collect())
}

/// One way the client may have signed the headers' values: as received, with the port dropped
/// from Host (the Node SDK signs the hostname but sends `host:port`), and lower-cased (the
/// documentation says to lower-case values; the SDKs do not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Variant {
    strip_port: bool,
    lower: bool,
}

/// The variants worth trying for these values (at most four, no two alike), the values as
/// received first.
fn variants(signed: &[(&str, Cow<'_, str>)]) -> impl Iterator<Item = Variant> + use<> {
    let host = signed.iter().find(|(name, _)| *name == "host").map_or("", |(_, v)| v.as_ref());
    let strip = strip_port(host).is_some();
    let upper = signed.iter().any(|(_, v)| v.bytes().any(|b| b.is_ascii_uppercase()));
    let mut out = [Variant::default(); 4];
    let mut count = 1;
    let mut add = |variant| {
        out[count] = variant;
        count += 1;
    };
    if strip {
        add(Variant { strip_port: true, lower: false });
    }
    if upper {
        add(Variant { strip_port: false, lower: true });
        if strip {
            add(Variant { strip_port: true, lower: true });
        }
    }
    out.into_iter().take(count)
}

/// The signed headers' values as one variant has them.
fn variant_values<'s>(
    signed: &'s [(&'s str, Cow<'s, str>)],
    variant: Variant,
) -> impl Iterator<Item = (&'s str, Cow<'s, str>)> + 's {
    signed.iter().map(move |(name, value)| {
        let mut value = Cow::Borrowed(value.as_ref());
        if *name == "host"
            && variant.strip_port
            && let Some(stripped) = strip_port(&value)
        {
            value = Cow::Owned(stripped.to_owned());
        }
        if variant.lower && value.bytes().any(|b| b.is_ascii_uppercase()) {
            value = Cow::Owned(value.to_ascii_lowercase());
        }
        (*name, value)
    })
}

/// The canonical request of one variant, as text; no larger than the length [`signed_values`]
/// checked.
fn canonical_for(
    received: &Received,
    signed: &[(&str, Cow<'_, str>)],
    variant: Variant,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let query = if received.method == axum::http::Method::GET { received.query.as_str() } else { "" };
    let mut out = String::with_capacity(256);
    let values = variant_values(signed, variant);
    tc3::write_canonical_request(&mut out, received.method.as_str(), query, values, signed_headers, payload_hash);
    out
}

/// `127.0.0.1:8080` → `127.0.0.1`; `[::1]:8080` → `[::1]`; `http://h:1` → `http://h`.
fn strip_port(host: &str) -> Option<&str> {
    let (head, port) = host.rsplit_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || head.ends_with(':') || head.ends_with('/') {
        return None;
    }
    Some(head)
}

fn authenticate_v1(
    credentials: &Credentials,
    received: &Received,
    common: &Common<'_>,
    method: v1::Method,
    now: i64,
) -> Result<Arc<Account>, Refusal> {
    let params = common.v1.as_ref().expect("v1 requests carry v1 parameters");
    check_skew(common.timestamp, now)?;
    let account = credentials.account(&params.secret_id).ok_or_else(ApiError::secret_id_not_found)?;
    let sent = v1::decode_signature(&params.signature).ok_or_else(ApiError::signature_failure)?;

    let pairs: Vec<(&str, &str)> = params.signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The Python SDK signs `_` in parameter names as `.`; no TRTC parameter has `_`, but
    // retrying costs nothing (and nothing at all when no name has one).
    let dotted: Vec<(String, &str)> = if pairs.iter().any(|(k, _)| k.contains('_')) {
        pairs.iter().map(|(k, v)| (k.replace('_', "."), *v)).collect()
    } else {
        Vec::new()
    };
    let dotted: Vec<(&str, &str)> = dotted.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut hosts = vec![received.host.as_str()];
    hosts.extend(strip_port(&received.host));

    let mut first = None;
    for host in hosts {
        for set in [&pairs, &dotted].into_iter().filter(|set| !set.is_empty()) {
            let to_sign = v1::string_to_sign(received.method.as_str(), host, set);
            if bool::from(v1::sign(method, &account.secret_key, &to_sign).ct_eq(&sent)) {
                check_token(account, common.token.as_deref())?;
                return Ok(Arc::clone(account));
            }
            first.get_or_insert(SignatureDebug { canonical_request: None, string_to_sign: to_sign });
        }
    }
    Err(Refusal { error: ApiError::signature_failure(), debug: first })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_window_does_not_wrap() {
        let now = 1_764_000_000;
        assert!(check_skew(now - 300, now).is_ok() && check_skew(now + 300, now).is_ok());
        assert!(check_skew(now - 301, now).is_err() && check_skew(now + 301, now).is_err());
        for far in [i64::MIN, i64::MAX, now.wrapping_sub(i64::MIN), now - (1 << 62), -1, 0] {
            assert_eq!(check_skew(far, now).unwrap_err().code(), "AuthFailure.SignatureExpire", "{far}");
        }
    }

    #[test]
    fn ports_are_stripped_only_from_host_port() {
        assert_eq!(strip_port("127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(strip_port("http://127.0.0.1:8080"), Some("http://127.0.0.1"));
        assert_eq!(strip_port("trtc.tencentcloudapi.com"), None);
        assert_eq!(strip_port("[::1]:80"), Some("[::1]"));
        assert_eq!(strip_port("http://host"), None);
    }
}
