//! The request journal: what the gateway did with each request, newest last, bounded.
//!
//! When full, the oldest entry is dropped and counted, so a long test run never grows the
//! emulator's memory. A refused signature keeps the canonical request and string-to-sign the
//! server computed, for users debugging their own signer.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::gateway::auth::SignatureDebug;

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
    pub signature: Option<SignatureDebug>,
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
    pub entries: Vec<Entry>,
    /// Entries held now (all filters aside).
    pub held: usize,
    pub capacity: usize,
    /// Entries dropped because the journal was full, since start-up or the last reset.
    pub dropped: u64,
    /// The `seq` the next request will get: pass it back as `since` to see only later ones.
    pub next_seq: u64,
}

struct Inner {
    entries: VecDeque<Entry>,
    dropped: u64,
    next_seq: u64,
}

pub struct Journal {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new(Inner { entries: VecDeque::new(), dropped: 0, next_seq: 1 }) }
    }

    /// Appends an entry, giving it its `seq`.
    pub fn record(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().expect("journal lock");
        entry.seq = inner.next_seq;
        inner.next_seq += 1;
        if inner.entries.len() >= self.capacity {
            inner.entries.pop_front();
            inner.dropped += 1;
        }
        inner.entries.push_back(entry);
    }

    pub fn query(&self, query: &Query) -> Page {
        let inner = self.inner.lock().expect("journal lock");
        let mut entries: Vec<Entry> = inner
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

    /// Forgets every entry (or those of one SdkAppId); `seq` keeps counting.
    pub fn clear(&self, sdk_app_id: Option<u64>) {
        let mut inner = self.inner.lock().expect("journal lock");
        match sdk_app_id {
            Some(id) => inner.entries.retain(|e| e.sdk_app_id != Some(id)),
            None => {
                inner.entries.clear();
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
        }
    }

    #[test]
    fn bounded_with_dropped_count_and_filters() {
        let j = Journal::new(3);
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
}
