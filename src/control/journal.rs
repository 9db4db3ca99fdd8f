//! The request journal: what the gateway did with each request, newest last, bounded.
//!
//! Bounded twice: by entries (`--journal-size`) and by bytes (`--journal-bytes`). When either is
//! reached the oldest entries are dropped and counted, so a long or hostile run never grows the
//! emulator's memory. Every value a client chose (action, SecretId, method, message, the parts of
//! a refused signature) is kept cut to a few hundred bytes with its full length shown, so one
//! entry stays small whatever the request carried.
//!
//! A refused signature keeps what a user debugging their own signer needs: the canonical
//! request and the string to sign the server computed (each header value cut the same way), the
//! payload hash, and the length and SHA-256 of both exact strings.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bytes of one client-supplied value the journal keeps; longer values are cut (see [`clip`]).
pub const SHOWN: usize = 256;

/// Bytes of an error message the journal keeps (messages quote parameter names and values).
pub const SHOWN_MESSAGE: usize = 1024;

/// Default of `--journal-bytes`.
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The largest an entry can be: its fixed part, the clipped strings, and a refused signature
/// of at most [`MAX_SIGNATURE_LINES`] lines of at most `2 × SHOWN` bytes (plus markers).
pub const MAX_ENTRY_BYTES: usize = 64 * 1024;

/// Lines of a canonical request or string to sign the journal shows (a canonical request has
/// at most 32 signed headers plus six other lines).
pub const MAX_SIGNATURE_LINES: usize = 48;

/// `value` cut to at most `max` bytes at a character boundary and followed by
/// `…(N bytes)` with its full length, when it is longer; otherwise `value` itself.
pub fn clip(value: &str, max: usize) -> Cow<'_, str> {
    if value.len() <= max {
        return Cow::Borrowed(value);
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…({} bytes)", &value[..end], value.len()))
}

fn clip_owned(value: String, max: usize) -> String {
    match clip(&value, max) {
        Cow::Borrowed(_) => value,
        Cow::Owned(clipped) => clipped,
    }
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The server's side of a refused signature, as the journal keeps it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RefusedSignature {
    /// TC3: the canonical request computed, each line cut to [`SHOWN`] bytes (a header line's
    /// name and value each) with the full length shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_request: Option<String>,
    /// TC3: length of the exact canonical request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_request_bytes: Option<usize>,
    /// TC3: SHA-256 of the exact canonical request (the last line of the string to sign).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_request_sha256: Option<String>,
    /// TC3: the payload hash signed (the last line of the canonical request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
    /// The string to sign computed; v1 parameters (and TC3 lines) cut the same way.
    pub string_to_sign: String,
    pub string_to_sign_bytes: usize,
    pub string_to_sign_sha256: String,
}

impl RefusedSignature {
    /// A TC3 refusal, from the exact canonical request and string to sign.
    pub fn tc3(canonical_request: &str, string_to_sign: &str) -> Self {
        Self {
            canonical_request: Some(clip_canonical(canonical_request)),
            canonical_request_bytes: Some(canonical_request.len()),
            canonical_request_sha256: Some(sha256_hex(canonical_request.as_bytes())),
            payload_sha256: canonical_request.rsplit('\n').next().map(|h| clip(h, SHOWN).into_owned()),
            string_to_sign: clip_lines(string_to_sign, |line| clip(line, SHOWN)),
            string_to_sign_bytes: string_to_sign.len(),
            string_to_sign_sha256: sha256_hex(string_to_sign.as_bytes()),
        }
    }

    /// A v1 refusal, from the exact string to sign (`POSThost/?a=1&b=2`).
    pub fn v1(string_to_sign: &str) -> Self {
        let shown = match string_to_sign.split_once("/?") {
            Some((head, query)) => {
                let mut pairs = query.split('&').map(|pair| match pair.split_once('=') {
                    Some((k, v)) => format!("{}={}", clip(k, SHOWN), clip(v, SHOWN)),
                    None => clip(pair, SHOWN).into_owned(),
                });
                let mut shown = format!("{}/?", clip(head, SHOWN));
                for (i, pair) in pairs.by_ref().take(MAX_SIGNATURE_LINES).enumerate() {
                    if i > 0 {
                        shown.push('&');
                    }
                    shown.push_str(&pair);
                }
                let rest = pairs.count();
                if rest > 0 {
                    shown.push_str(&format!("&…({rest} more parameters)"));
                }
                shown
            }
            None => clip(string_to_sign, SHOWN).into_owned(),
        };
        Self {
            canonical_request: None,
            canonical_request_bytes: None,
            canonical_request_sha256: None,
            payload_sha256: None,
            string_to_sign: shown,
            string_to_sign_bytes: string_to_sign.len(),
            string_to_sign_sha256: sha256_hex(string_to_sign.as_bytes()),
        }
    }

    fn heap_bytes(&self) -> usize {
        let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        opt(&self.canonical_request)
            + opt(&self.canonical_request_sha256)
            + opt(&self.payload_sha256)
            + self.string_to_sign.len()
            + self.string_to_sign_sha256.len()
    }
}

/// Each line through `clip_line`, at most [`MAX_SIGNATURE_LINES`] lines.
fn clip_lines<'a>(text: &'a str, mut clip_line: impl FnMut(&'a str) -> Cow<'a, str>) -> String {
    let mut lines = text.split('\n');
    let mut out = String::new();
    for (i, line) in lines.by_ref().take(MAX_SIGNATURE_LINES).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&clip_line(line));
    }
    let rest = lines.count();
    if rest > 0 {
        out.push_str(&format!("\n…({rest} more lines)"));
    }
    out
}

/// A canonical request with each line cut, header lines (`name:value`) name and value apart.
fn clip_canonical(canonical: &str) -> String {
    // Lines: method, "/", query, then one per signed header up to an empty line, then the
    // signed header names and the payload hash. Header values hold no line breaks.
    let mut in_headers = true;
    let mut index = 0usize;
    clip_lines(canonical, |line| {
        index += 1;
        if index <= 3 || !in_headers {
            return clip(line, SHOWN);
        }
        if line.is_empty() {
            in_headers = false;
            return Cow::Borrowed(line);
        }
        match line.split_once(':') {
            Some((name, value)) if name.len() > SHOWN || value.len() > SHOWN => {
                Cow::Owned(format!("{}:{}", clip(name, SHOWN), clip(value, SHOWN)))
            }
            Some(_) => Cow::Borrowed(line),
            None => clip(line, SHOWN),
        }
    })
}

/// One request as the gateway saw it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Position in the journal's history, from 1; never reused, survives dropping.
    pub seq: u64,
    pub request_id: String,
    /// Wall-clock arrival, Unix milliseconds.
    pub received_at_ms: i64,
    /// Virtual time when the request was served, Unix seconds.
    pub virtual_time: i64,
    pub method: String,
    pub action: Option<String>,
    pub sdk_app_id: Option<u64>,
    pub secret_id: Option<String>,
    /// `TC3-HMAC-SHA256`, `HmacSHA256` or `HmacSHA1`.
    pub signature_method: Option<&'static str>,
    /// `Success` or the error code answered.
    pub code: String,
    /// English message of an error.
    pub message: Option<String>,
    pub duration_us: u64,
    /// Id of the injected fault that shaped the answer.
    pub fault: Option<u64>,
    /// The server's side of a refused signature.
    pub signature: Option<RefusedSignature>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Why the server refused, where the message does not say (a UserSig minted with the wrong key…).
    pub note: Option<String>,
}

impl Entry {
    /// Cuts every value a client chose to what the journal keeps.
    fn clipped(mut self) -> Self {
        self.request_id = clip_owned(self.request_id, SHOWN);
        self.method = clip_owned(self.method, SHOWN);
        self.action = self.action.map(|a| clip_owned(a, SHOWN));
        self.secret_id = self.secret_id.map(|s| clip_owned(s, SHOWN));
        self.code = clip_owned(self.code, SHOWN);
        self.message = self.message.map(|m| clip_owned(m, SHOWN_MESSAGE));
        self.note = self.note.map(|m| clip_owned(m, SHOWN_MESSAGE));
        self
    }

    /// What the entry costs the journal, in bytes: its fixed part and every string it holds.
    pub fn size(&self) -> usize {
        let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        std::mem::size_of::<Entry>()
            + std::mem::size_of::<Arc<Entry>>()
            + 2 * std::mem::size_of::<usize>()
            + self.request_id.len()
            + self.method.len()
            + opt(&self.action)
            + opt(&self.secret_id)
            + self.code.len()
            + opt(&self.message)
            + opt(&self.note)
            + self.signature.as_ref().map_or(0, RefusedSignature::heap_bytes)
    }
}

/// Filters of `GET /_mock/requests`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    pub action: Option<String>,
    pub code: Option<String>,
    /// Only entries with a larger `seq`.
    pub since: Option<u64>,
    pub sdk_app_id: Option<u64>,
    pub secret_id: Option<String>,
    /// At most this many entries, the newest.
    pub limit: Option<usize>,
}

/// A page of the journal.
#[derive(Debug, Serialize)]
pub struct Page {
    pub entries: Vec<Arc<Entry>>,
    /// Entries held now (all filters aside).
    pub held: usize,
    pub capacity: usize,
    /// Bytes the held entries cost (see [`Entry::size`]).
    pub bytes: usize,
    /// The byte bound the journal was last recorded under (`--journal-bytes`).
    pub max_bytes: usize,
    /// Entries dropped because the journal was full, since start-up or the last reset.
    pub dropped: u64,
    /// The `seq` the next request will get: pass it back as `since` to see only later ones.
    pub next_seq: u64,
}

struct Inner {
    entries: VecDeque<Arc<Entry>>,
    bytes: usize,
    max_bytes: usize,
    dropped: u64,
    next_seq: u64,
}

pub struct Journal {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl Journal {
    /// A journal of at most `capacity` entries and `max_bytes` bytes.
    pub fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner { entries: VecDeque::new(), bytes: 0, max_bytes, dropped: 0, next_seq: 1 }),
        }
    }

    /// Appends an entry, giving it its `seq` and cutting what the client chose (see [`clip`]);
    /// drops the oldest entries while more than `capacity` entries or `max_bytes` bytes would
    /// be held. An entry is at most [`MAX_ENTRY_BYTES`], so the journal holds at most
    /// `max(max_bytes, MAX_ENTRY_BYTES)` bytes.
    pub fn record(&self, entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut entry = entry.clipped();
        let size = entry.size();
        let mut inner = self.inner.lock().expect("journal lock");
        let max_bytes = inner.max_bytes;
        entry.seq = inner.next_seq;
        inner.next_seq += 1;
        while !inner.entries.is_empty()
            && (inner.entries.len() >= self.capacity || inner.bytes.saturating_add(size) > max_bytes)
        {
            if let Some(old) = inner.entries.pop_front() {
                inner.bytes -= old.size();
                inner.dropped += 1;
            }
        }
        inner.bytes += size;
        inner.entries.push_back(Arc::new(entry));
    }

    pub fn query(&self, query: &Query) -> Page {
        let inner = self.inner.lock().expect("journal lock");
        let mut entries: Vec<Arc<Entry>> = inner
            .entries
            .iter()
            .filter(|e| query.since.is_none_or(|s| e.seq > s))
            .filter(|e| query.action.as_ref().is_none_or(|a| e.action.as_ref() == Some(a)))
            .filter(|e| query.code.as_ref().is_none_or(|c| &e.code == c))
            .filter(|e| query.sdk_app_id.is_none_or(|id| e.sdk_app_id == Some(id)))
            .filter(|e| query.secret_id.as_ref().is_none_or(|s| e.secret_id.as_ref() == Some(s)))
            .cloned()
            .collect();
        if let Some(limit) = query.limit
            && entries.len() > limit
        {
            entries.drain(..entries.len() - limit);
        }
        Page {
            entries,
            held: inner.entries.len(),
            capacity: self.capacity,
            bytes: inner.bytes,
            max_bytes: inner.max_bytes,
            dropped: inner.dropped,
            next_seq: inner.next_seq,
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().expect("journal lock").entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dropped(&self) -> u64 {
        self.inner.lock().expect("journal lock").dropped
    }

    /// Bytes the held entries cost.
    pub fn bytes(&self) -> usize {
        self.inner.lock().expect("journal lock").bytes
    }

    /// Forgets every entry (or those of one SdkAppId); `seq` keeps counting.
    pub fn clear(&self, sdk_app_id: Option<u64>) {
        let mut inner = self.inner.lock().expect("journal lock");
        match sdk_app_id {
            Some(id) => {
                inner.entries.retain(|e| e.sdk_app_id != Some(id));
                inner.bytes = inner.entries.iter().map(|e| e.size()).sum();
            }
            None => {
                inner.entries.clear();
                inner.bytes = 0;
                inner.dropped = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, code: &str, app: u64) -> Entry {
        Entry {
            seq: 0,
            request_id: String::new(),
            received_at_ms: 0,
            virtual_time: 0,
            method: "POST".into(),
            action: Some(action.into()),
            sdk_app_id: Some(app),
            secret_id: None,
            signature_method: None,
            code: code.into(),
            message: None,
            duration_us: 0,
            fault: None,
            signature: None,
            note: None,
        }
    }

    #[test]
    fn bounded_with_dropped_count_and_filters() {
        let j = Journal::new(3, DEFAULT_MAX_BYTES);
        for i in 0..5u64 {
            j.record(entry(if i % 2 == 0 { "A" } else { "B" }, "Success", i));
        }
        let page = j.query(&Query::default());
        assert_eq!(page.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!((page.held, page.dropped, page.next_seq), (3, 2, 6));
        let a = j.query(&Query { action: Some("A".into()), ..Query::default() });
        assert_eq!(a.entries.len(), 2);
        let since = j.query(&Query { since: Some(4), ..Query::default() });
        assert_eq!(since.entries.len(), 1);
        let last = j.query(&Query { limit: Some(1), ..Query::default() });
        assert_eq!(last.entries[0].seq, 5);
        j.clear(Some(3));
        assert_eq!(j.len(), 2);
        j.clear(None);
        assert!(j.is_empty());
        assert_eq!(j.query(&Query::default()).next_seq, 6);
    }

    #[test]
    fn clip_cuts_at_a_character_boundary_and_shows_the_length() {
        assert_eq!(clip("short", 8), "short");
        assert_eq!(clip("abcdefghij", 4), "abcd…(10 bytes)");
        assert_eq!(clip("ééééé", 3), "é…(10 bytes)");
        assert_eq!(clip("", 0), "");
    }

    #[test]
    fn bounded_by_bytes_as_well_as_entries() {
        let mut big = entry("A", "AuthFailure.SignatureFailure", 1);
        big.message = Some("m".repeat(100_000));
        big.action = Some("a".repeat(100_000));
        big.secret_id = Some("s".repeat(100_000));
        let canonical = format!(
            "POST\n/\n\ncontent-type:application/json\nx-big:{}\n\ncontent-type;x-big\n{}",
            "v".repeat(60_000),
            "0".repeat(64)
        );
        big.signature = Some(RefusedSignature::tc3(
            &canonical,
            &format!("TC3-HMAC-SHA256\n1\n2020-01-01/{}/tc3_request\n{}", "s".repeat(10_000), "0".repeat(64)),
        ));
        let size = big.clone().clipped().size();
        assert!(size < 8 * 1024, "{size}");
        assert!(size <= MAX_ENTRY_BYTES);
        let max_bytes = 20 * size;
        let j = Journal::new(1000, max_bytes);
        for _ in 0..100 {
            j.record(big.clone());
        }
        let page = j.query(&Query::default());
        assert!(page.bytes <= max_bytes, "{} > {max_bytes}", page.bytes);
        assert_eq!(page.held, 20);
        assert_eq!(page.dropped, 80);
        let kept = &page.entries[0];
        assert!(kept.action.as_ref().unwrap().ends_with("…(100000 bytes)"));
        assert!(kept.message.as_ref().unwrap().len() < SHOWN_MESSAGE + 32);
        let signature = kept.signature.as_ref().unwrap();
        let shown = signature.canonical_request.as_ref().unwrap();
        assert!(shown.contains("\nx-big:vvvv") && shown.contains("…(60000 bytes)\n\ncontent-type;x-big\n"), "{shown}");
        assert_eq!(signature.canonical_request_bytes, Some(canonical.len()));
        assert_eq!(signature.payload_sha256.as_deref(), Some("0".repeat(64).as_str()));
        let to_sign = &signature.string_to_sign;
        assert!(to_sign.lines().count() == 4 && to_sign.contains("ssss…(10023 bytes)\n0000"), "{to_sign}");
        j.clear(Some(1));
        assert_eq!(j.bytes(), 0);
    }

    #[test]
    fn the_largest_entry_is_within_its_bound() {
        let long = "x".repeat(100_000);
        let mut worst = entry(&long, &long, 1);
        worst.method = long.clone();
        worst.secret_id = Some(long.clone());
        worst.request_id = long.clone();
        worst.message = Some(long.clone());
        let line = format!("{long}:{long}");
        let canonical = format!("{long}\n/\n{long}\n{}\n\n{long}\n{long}", vec![line.as_str(); 100].join("\n"));
        let to_sign = vec![long.as_str(); 100].join("\n");
        worst.signature = Some(RefusedSignature::tc3(&canonical, &to_sign));
        let size = worst.clone().clipped().size();
        assert!(size <= MAX_ENTRY_BYTES, "{size}");
        let v1 = format!("GET{long}/?{}", vec![format!("{long}={long}"); 100].join("&"));
        worst.signature = Some(RefusedSignature::v1(&v1));
        let size = worst.clipped().size();
        assert!(size <= MAX_ENTRY_BYTES, "{size}");
    }

    #[test]
    fn v1_strings_to_sign_are_cut_per_parameter() {
        let long = "x".repeat(5000);
        let shown = RefusedSignature::v1(&format!("POSThost/?Action=A&Pad={long}&Z=1"));
        assert!(shown.string_to_sign.starts_with("POSThost/?Action=A&Pad=xxx"), "{}", shown.string_to_sign);
        assert!(shown.string_to_sign.ends_with("…(5000 bytes)&Z=1"), "{}", shown.string_to_sign);
        assert_eq!(shown.string_to_sign_bytes, 5000 + 27);
        let many: Vec<String> = (0..10_000).map(|i| format!("P{i}=1")).collect();
        let shown = RefusedSignature::v1(&format!("GEThost/?{}", many.join("&")));
        assert!(shown.string_to_sign.len() < 2048 && shown.string_to_sign.ends_with("more parameters)"));
    }
}
