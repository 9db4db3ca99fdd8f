//! Soak run (issue 11): the binary under a bounded mixed load — valid calls, throttled calls,
//! refused signatures, bad and hostile input, journal reads — checked for 0 transport errors,
//! 0 unexpected codes, and a resident set flat within 10 % after warm-up.
//!
//! Not part of `cargo test` (it is `#[ignore]`): `scripts/soak [SECONDS]` runs it (60 s by
//! default, 10 s in CI). It measures memory, not speed: nothing here is timed pass/fail.

use crate::common;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Tc3, V1, unix_now};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_trtc-mock");
const NOW: i64 = 1_764_000_000;
const APP: u64 = 1_400_000_001;
/// Accounts that make valid and bad-parameter calls, each kept well under its rate limit.
const PACED_ACCOUNTS: usize = 64;
/// Calls per (account, action) and wall-clock second the client allows itself: with requests
/// crossing a second's boundary the server may count two seconds' worth, still under 20.
const PACE: u32 = 8;
const WORKERS: usize = 8;

struct Server {
    child: Child,
    url: String,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn paced_id(i: usize) -> String {
    format!("AKIDsoak{i}")
}

fn paced_key(i: usize) -> String {
    format!("soak-secret-{i}")
}

fn start() -> Server {
    let dir = std::env::temp_dir().join(format!("trtc-mock-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut accounts: Vec<Value> =
        (0..PACED_ACCOUNTS).map(|i| json!({"secret_id": paced_id(i), "secret_key": paced_key(i)})).collect();
    accounts.push(json!({"secret_id": "AKIDhammer", "secret_key": "hammer-secret"}));
    let credentials = dir.join("credentials.json");
    std::fs::write(&credentials, json!({ "accounts": accounts }).to_string()).unwrap();
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--secret-id", common::ID, "--secret-key", common::KEY])
        .args(["--credentials-file", credentials.to_str().unwrap()])
        .args(["--now", &NOW.to_string(), "--freeze"])
        .env("TRTC_MOCK_LOG", "warn,trtc_mock=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("listening") {
                let _ = tx.send(line);
            }
            // The request log lines are read and dropped, so the pipe never fills.
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).expect("the server starts");
    let at = line.find("http://").unwrap();
    let url: String = line[at..].chars().take_while(|c| !c.is_whitespace() && *c != '"').collect();
    Server { child, url, _dir: TempDir(dir) }
}

/// Resident set of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Calls made per (account, action): the wall-clock second and the count in it.
type Windows = BTreeMap<(usize, &'static str), (u64, u32)>;

/// Client-side pacing of (account, action) per wall-clock second.
#[derive(Default)]
struct Pacer {
    windows: Mutex<Windows>,
    next: AtomicU64,
}

impl Pacer {
    /// An account that may call `action` now, if any.
    fn account(&self, action: &'static str) -> Option<usize> {
        let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let start = self.next.fetch_add(1, Ordering::Relaxed) as usize;
        let mut windows = self.windows.lock().unwrap();
        for k in 0..PACED_ACCOUNTS {
            let account = (start + k) % PACED_ACCOUNTS;
            let window = windows.entry((account, action)).or_insert((second, 0));
            if window.0 != second {
                *window = (second, 0);
            }
            if window.1 < PACE {
                window.1 += 1;
                return Some(account);
            }
        }
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Valid,
    Throttled,
    RefusedSignature,
    BadInput,
    Hostile,
    Journal,
}

struct Call {
    kind: Kind,
    /// The codes this call may be answered with (`Success` for none).
    expected: &'static [&'static str],
    request: Request,
}

enum Request {
    Tc3(Box<Tc3>),
    V1(Box<V1>),
    Raw(Vec<u8>),
    Get(&'static str),
}

fn rooms(now: i64) -> Value {
    json!({"SdkAppId": APP, "StartTime": now - 3600, "EndTime": now})
}

fn signed_by(mut request: Tc3, account: usize) -> Tc3 {
    request.secret_id = paced_id(account);
    request.secret_key = paced_key(account);
    request
}

/// The `n`-th call of the mix.
fn call(n: u64, pacer: &Pacer, comm_id: &str) -> Call {
    let valid = |action: &'static str, make: &dyn Fn(usize) -> Request| {
        pacer.account(action).map(|account| Call { kind: Kind::Valid, expected: &["Success"], request: make(account) })
    };
    let fallback = || Call {
        kind: Kind::RefusedSignature,
        expected: &["AuthFailure.SignatureFailure"],
        request: Request::Tc3(Box::new({
            let mut r = Tc3::post("DescribeRoomInfo", rooms(NOW));
            r.secret_key = "wrong".into();
            r
        })),
    };
    match n % 20 {
        0..=5 => valid("DescribeRoomInfo", &|a| Request::Tc3(Box::new(signed_by(Tc3::post("DescribeRoomInfo", rooms(NOW)), a)))),
        6..=7 => valid("DescribeUserInfo", &|a| {
            let body = json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW - 3600, "EndTime": NOW, "PageNumber": 0, "PageSize": 20});
            Request::Tc3(Box::new(signed_by(Tc3::post("DescribeUserInfo", body), a)))
        }),
        8 => valid("DescribeScaleInfo", &|a| {
            let body = json!({"SdkAppId": APP, "StartTime": NOW - 3 * 86_400, "EndTime": NOW});
            Request::Tc3(Box::new(signed_by(Tc3::post("DescribeScaleInfo", body), a)))
        }),
        9 => valid("DescribeRoomInfo", &|a| {
            let business = [("SdkAppId", "1400000001"), ("StartTime", "1763996400"), ("EndTime", "1764000000")];
            let mut v1 = V1::new(if a % 2 == 0 { "GET" } else { "POST" }, "DescribeRoomInfo", &business);
            v1.set("SecretId", &paced_id(a));
            v1.secret_key = paced_key(a);
            Request::V1(Box::new(v1))
        }),
        10..=12 => Some(Call {
            kind: Kind::Throttled,
            expected: &["Success", "RequestLimitExceeded"],
            request: Request::Tc3(Box::new({
                let mut r = Tc3::post("DescribeRoomInfo", rooms(NOW));
                r.secret_id = "AKIDhammer".into();
                r.secret_key = "hammer-secret".into();
                r
            })),
        }),
        13 => Some(fallback()),
        14 => Some(Call {
            kind: Kind::RefusedSignature,
            expected: &["AuthFailure.SignatureExpire"],
            request: Request::Tc3(Box::new({
                let mut r = Tc3::post("DescribeRoomInfo", rooms(NOW));
                r.timestamp = unix_now() - 3600;
                r
            })),
        }),
        15 => Some(Call {
            kind: Kind::RefusedSignature,
            expected: &["AuthFailure.SecretIdNotFound"],
            request: Request::Tc3(Box::new({
                let mut r = Tc3::post("DescribeRoomInfo", rooms(NOW));
                r.secret_id = "AKIDnobody".into();
                r
            })),
        }),
        16 => pacer.account("DescribeUserInfo").map(|a| {
            let bad = [
                json!({"SdkAppId": APP, "Surprise": 1}),
                json!({"SdkAppId": APP, "StartTime": NOW - 60, "EndTime": NOW}),
                json!({"SdkAppId": "x", "CommId": comm_id, "StartTime": NOW - 60, "EndTime": NOW}),
            ];
            Call {
                kind: Kind::BadInput,
                expected: &["UnknownParameter", "MissingParameter", "InvalidParameter"],
                request: Request::Tc3(Box::new(signed_by(Tc3::post("DescribeUserInfo", bad[(n / 20 % 3) as usize].clone()), a))),
            }
        }),
        17 => Some(Call {
            kind: Kind::BadInput,
            expected: &["InvalidAction", "MissingParameter", "UnsupportedProtocol"],
            request: match n / 20 % 3 {
                0 => Request::Tc3(Box::new(Tc3::post("DescribeNothing", json!({})))),
                1 => Request::Get("/?SdkAppId=1"),
                _ => Request::Raw(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()),
            },
        }),
        18 => Some(Call {
            kind: Kind::Hostile,
            expected: &["AuthFailure.InvalidAuthorization", "InvalidParameter", "RequestSizeLimitExceeded"],
            request: match n / 20 % 3 {
                0 => Request::Tc3(Box::new({
                    let mut r = Tc3::post("DescribeRoomInfo", rooms(NOW));
                    r.authorization = Some(format!(
                        "TC3-HMAC-SHA256 Credential={}/{}/trtc/tc3_request, SignedHeaders=content-type;host{}, Signature={}",
                        common::ID,
                        common::utc_date(unix_now()),
                        ";x-big".repeat(5000),
                        "0".repeat(64)
                    ));
                    r.extra_headers.push(("X-Big".into(), "b".repeat(4096)));
                    r
                })),
                1 => Request::Raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n".to_vec()),
                _ => Request::Raw(format!("GET /?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a".repeat(40_000)).into_bytes()),
            },
        }),
        _ => Some(Call { kind: Kind::Journal, expected: &["Success"], request: Request::Get("/_mock/requests?limit=100") }),
    }
    .unwrap_or_else(fallback)
}

#[derive(Default)]
struct Tally {
    codes: BTreeMap<(Kind, String), u64>,
    unexpected: Vec<String>,
    transport_errors: Vec<String>,
}

async fn run(call: Call, url: &str, addr: std::net::SocketAddr, tally: &Mutex<Tally>) {
    let code: Result<String, String> = match call.request {
        Request::Tc3(request) => match request.send_raw(url).await {
            Ok(response) => Ok(common::Reply::from(response).await.code().unwrap_or("Success").to_owned()),
            Err(e) => Err(e.to_string()),
        },
        Request::V1(request) => Ok(request.send(url).await.code().unwrap_or("Success").to_owned()),
        Request::Get(path) => match common::client().get(format!("{url}{path}")).send().await {
            Ok(response) if path.starts_with("/_mock/") => {
                let ok = response.status().is_success() && response.json::<Value>().await.is_ok();
                Ok(if ok { "Success".to_owned() } else { "ControlPlaneError".to_owned() })
            }
            Ok(response) => Ok(common::Reply::from(response).await.code().unwrap_or("Success").to_owned()),
            Err(e) => Err(e.to_string()),
        },
        Request::Raw(bytes) => raw(addr, &bytes).await,
    };
    let mut tally = tally.lock().unwrap();
    match code {
        Ok(code) => {
            if !call.expected.contains(&code.as_str()) && tally.unexpected.len() < 20 {
                tally.unexpected.push(format!("{:?}: {code} (expected {:?})", call.kind, call.expected));
            } else if !call.expected.contains(&code.as_str()) {
                tally.unexpected.push(String::new());
            }
            *tally.codes.entry((call.kind, code)).or_default() += 1;
        }
        Err(e) => tally.transport_errors.push(e),
    }
}

/// One raw exchange on a fresh connection: the code of the envelope answered.
async fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.write_all(bytes).await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out))
        .await
        .map_err(|_| "no answer in 30 s".to_owned())?
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).ok_or("no HTTP answer")?;
    let envelope: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    Ok(envelope["Response"]["Error"]["Code"].as_str().unwrap_or("Success").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak run: scripts/soak [SECONDS]"]
async fn soak() {
    let seconds: u64 = std::env::var("TRTC_MOCK_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let server = start();
    let pid = server.child.id();
    let url = server.url.clone();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    let listed = signed_by(Tc3::post("DescribeRoomInfo", rooms(NOW)), 0).send(&url).await;
    let comm_id = listed.ok()["RoomList"][0]["CommId"].as_str().expect("a room").to_owned();

    let started = Instant::now();
    let duration = Duration::from_secs(seconds);
    // Warm-up: the journal and the rate-limit windows fill, the allocator settles.
    let warm_up = Duration::from_secs((seconds * 3 / 10).max(3));
    let pacer = Arc::new(Pacer::default());
    let tally = Arc::new(Mutex::new(Tally::default()));
    let counter = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (pacer, tally, counter, url, comm_id) =
            (Arc::clone(&pacer), Arc::clone(&tally), Arc::clone(&counter), url.clone(), comm_id.clone());
        workers.push(tokio::spawn(async move {
            while started.elapsed() < duration {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let next = call(n, &pacer, &comm_id);
                run(next, &url, addr, &tally).await;
            }
        }));
    }
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    while started.elapsed() < duration {
        tokio::time::sleep(Duration::from_millis(500)).await;
        samples.push((started.elapsed(), rss_kib(pid)));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    samples.push((started.elapsed(), rss_kib(pid)));

    let tally = tally.lock().unwrap();
    let total: u64 = tally.codes.values().sum();
    let baseline = samples.iter().rev().find(|(t, _)| *t <= warm_up).map_or(0, |(_, r)| *r);
    let after: Vec<u64> = samples.iter().filter(|(t, _)| *t > warm_up).map(|(_, r)| *r).collect();
    let peak = after.iter().copied().max().unwrap_or(baseline);
    let last = after.last().copied().unwrap_or(baseline);
    println!("soak: {seconds} s, {total} calls ({} /s), {WORKERS} workers", total / seconds.max(1));
    for ((kind, code), count) in &tally.codes {
        println!("  {kind:?} {code}: {count}");
    }
    println!("  transport errors: {}", tally.transport_errors.len());
    println!("  unexpected codes: {}", tally.unexpected.len());
    println!(
        "  RSS: {} KiB at start, {baseline} KiB after warm-up ({} s), peak {peak} KiB after, {last} KiB at the end ({:+.1} % peak over warm-up)",
        samples.first().map_or(0, |s| s.1),
        warm_up.as_secs(),
        (peak as f64 / baseline.max(1) as f64 - 1.0) * 100.0
    );
    assert!(
        tally.transport_errors.is_empty(),
        "transport errors: {:?}",
        &tally.transport_errors[..tally.transport_errors.len().min(10)]
    );
    assert!(tally.unexpected.is_empty(), "unexpected codes: {:?}", tally.unexpected);
    for kind in [Kind::Valid, Kind::Throttled, Kind::RefusedSignature, Kind::BadInput, Kind::Hostile, Kind::Journal] {
        assert!(tally.codes.keys().any(|(k, _)| *k == kind), "no {kind:?} call was made");
    }
    assert!(
        tally.codes.get(&(Kind::Throttled, "RequestLimitExceeded".to_owned())).is_some_and(|n| *n > 0),
        "nothing was throttled"
    );
    assert!(
        baseline > 0 && peak * 10 <= baseline * 11,
        "RSS grew more than 10 % after warm-up: {baseline} → {peak} KiB"
    );
}
