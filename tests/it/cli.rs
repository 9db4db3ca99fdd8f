//! The binary: settings, start-up refusals, serving, and a clean stop on SIGTERM.

use crate::common;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_trtc-mock");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env_remove("TRTC_MOCK_ADDR").output().unwrap()
}

#[test]
fn help_names_every_setting_with_its_environment_variable() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for env in [
        "TRTC_MOCK_ADDR",
        "TRTC_MOCK_SECRET_ID",
        "TRTC_MOCK_SECRET_KEY",
        "TRTC_MOCK_TOKEN",
        "TRTC_MOCK_SDK_APP_IDS",
        "TRTC_MOCK_CREDENTIALS_FILE",
        "TRTC_MOCK_AUTH",
        "TRTC_MOCK_SEED",
        "TRTC_MOCK_NOW",
        "TRTC_MOCK_FREEZE",
        "TRTC_MOCK_FIXTURES",
        "TRTC_MOCK_RATE_LIMIT",
        "TRTC_MOCK_LOG_FORMAT",
        "TRTC_MOCK_JOURNAL_SIZE",
        "TRTC_MOCK_JOURNAL_BYTES",
        "TRTC_MOCK_HEADER_TIMEOUT",
        "TRTC_MOCK_BODY_TIMEOUT",
        "TRTC_MOCK_KEEP_ALIVE_TIMEOUT",
        "TRTC_MOCK_MAX_CONNECTIONS",
    ] {
        assert!(help.contains(env), "{env} missing from --help");
    }
    assert!(help.contains("[default: 127.0.0.1:8080]") && help.contains("[default: AKIDmock]"));
}

#[test]
fn a_bad_fixture_stops_start_up_naming_the_file_and_the_fault() {
    let dir = std::env::temp_dir().join(format!("trtc-mock-bad-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.json");
    std::fs::write(&file, r#"{"Apps":[{"SdkAppId":1,"Rooms":[{"RoomId":5,"CreateTime":10,"DestroyTime":3}]}]}"#)
        .unwrap();
    let out = run(&["--addr", "127.0.0.1:0", "--fixtures", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.json") && err.contains("DestroyTime 3 is before CreateTime 10"), "{err}");

    let out = run(&["--addr", "127.0.0.1:0", "--fixtures", "/nonexistent/fixtures.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("/nonexistent/fixtures.json"));

    let out = run(&["--rate-limit", "fast"]);
    assert!(!out.status.success());
}

/// The URL in the "listening" log line, text or JSON.
fn listening_url(line: &str) -> Option<String> {
    if !line.contains("listening") {
        return None;
    }
    let at = line.find("http://")?;
    let url: String = line[at..].chars().take_while(|c| !c.is_whitespace() && *c != '"').collect();
    Some(url)
}

/// Reads the child's log until its "listening" line; the rest of the log keeps being drained
/// so the server never blocks on a full pipe. Returns the URL and the log read so far.
fn wait_listening(child: &mut Child) -> (String, String) {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut log = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("the server logs its address within 10 s");
        log.push_str(&line);
        log.push('\n');
        if let Some(url) = listening_url(&line) {
            std::thread::spawn(move || rx.into_iter().for_each(drop));
            return (url, log);
        }
    }
}

/// Starts the binary on a free port and returns it with its URL.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--secret-id", common::ID, "--secret-key", common::KEY])
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (url, _) = wait_listening(&mut child);
    (child, url)
}

#[tokio::test]
async fn serves_the_documentation_example_and_stops_on_sigterm() {
    let (mut child, url) = spawn(&[
        "--fixtures",
        "fixtures/describe-user-info-example.json",
        "--now",
        "1590066000",
        "--log-format",
        "json",
    ]);
    let body = json!({"StartTime": 1590065777, "CommId": "1400188366_218695_1590065777", "SdkAppId": 1400188366, "EndTime": 1590065877});
    let reply = common::Tc3::post("DescribeUserInfo", body).send(&url).await;
    assert_eq!(reply.ok()["Total"], 2);

    let started = Instant::now();
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = loop {
        if let Some(code) = child.try_wait().unwrap() {
            break code;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "SIGTERM stops the server");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(code.success(), "{code:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn environment_settings_apply_and_flags_win() {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--secret-key", "flag-key"])
        .env("TRTC_MOCK_SECRET_ID", "AKIDfromenv")
        .env("TRTC_MOCK_SECRET_KEY", "env-key")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (url, log) = wait_listening(&mut child);
    assert!(log.contains("AKIDfromenv"), "the banner shows the SecretId: {log}");
    assert!(!log.contains("flag-key") && !log.contains("env-key"), "but not a chosen SecretKey: {log}");
    let mut request = common::Tc3::post(
        "DescribeRoomInfo",
        json!({"SdkAppId": 1400000001u64, "StartTime": common::unix_now() - 60, "EndTime": common::unix_now()}),
    );
    request.secret_id = "AKIDfromenv".into();
    request.secret_key = "flag-key".into();
    request.send(&url).await.ok();
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn healthcheck_subcommand_and_serve_subcommand() {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (url, _) = wait_listening(&mut child);
    let addr = url.trim_start_matches("http://");
    let healthy = Command::new(BIN).args(["healthcheck", "--addr", addr]).output().unwrap();
    assert!(healthy.status.success(), "{}", String::from_utf8_lossy(&healthy.stderr));
    assert!(String::from_utf8(healthy.stdout).unwrap().contains("\"ready\":true"));
    child.kill().unwrap();
    child.wait().unwrap();
    let down = Command::new(BIN).args(["healthcheck", "--addr", addr, "--timeout", "1"]).output().unwrap();
    assert!(!down.status.success());
    assert!(String::from_utf8(down.stderr).unwrap().contains("trtc-mock healthcheck:"));
}

#[test]
fn a_start_time_the_clock_cannot_show_is_refused() {
    for now in ["253402300800", "-1", "9223372036854775807"] {
        let out = run(&["--addr", "127.0.0.1:0", &format!("--now={now}")]);
        assert!(!out.status.success(), "--now {now}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("--now") && err.contains("253402300799"), "{err}");
    }
}

/// Issue 11, defect 3: 620 half-open connections against a limit of 600 files made a normal
/// request time out and filled the log with `accept failed: Too many open files`.
#[tokio::test]
async fn with_few_file_descriptors_idle_connections_cannot_starve_a_request() {
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\"", BIN])
        .args(["--addr", "127.0.0.1:0", "--secret-id", common::ID, "--secret-key", common::KEY])
        .args(["--header-timeout", "1", "--rate-limit", "off"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let url = loop {
        let line = rx.recv_timeout(Duration::from_secs(10)).expect("the server starts");
        if let Some(url) = listening_url(&line) {
            break url;
        }
    };
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    let now = common::unix_now();
    let request = common::Tc3::post(
        "DescribeRoomInfo",
        json!({"SdkAppId": 1400000001u64, "StartTime": now - 60, "EndTime": now}),
    );
    let reply = tokio::time::timeout(Duration::from_secs(60), request.send(&url)).await.expect("served");
    reply.ok();
    drop(idle);
    child.kill().unwrap();
    child.wait().unwrap();
    let log: Vec<String> = rx.try_iter().collect();
    let refused = log.iter().filter(|l| l.contains("accept failed") || l.contains("Too many open files")).count();
    assert_eq!(refused, 0, "{log:#?}");
    assert!(log.iter().any(|l| l.contains("connection cap reached")), "{log:#?}");
}

#[tokio::test]
async fn the_apps_file_and_the_usersig_key_flag_set_the_console_settings() {
    let dir = std::env::temp_dir().join(format!("trtc-mock-apps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("apps.json");
    std::fs::write(
        &file,
        r#"{"apps": {"1400000005": {"usersig_key": "k5", "callbacks": {"key": "abc", "urls": {"*": "http://127.0.0.1:9/cb"}}}}}"#,
    )
    .unwrap();
    let (mut child, url) = spawn(&["--apps-file", file.to_str().unwrap(), "--usersig-key", "every"]);
    let get = |path: String| {
        let url = url.clone();
        async move { common::client().get(format!("{url}/_mock/{path}")).send().await.unwrap() }
    };
    let settings: serde_json::Value = get("apps/1400000005/callbacks".into()).await.json().await.unwrap();
    assert_eq!(settings["callbacks"]["urls"]["*"], "http://127.0.0.1:9/cb");
    let key: serde_json::Value = get("apps/1400000005/usersig-key".into()).await.json().await.unwrap();
    assert_eq!(key["key"], "k5", "the file's key wins for its app");
    let key: serde_json::Value = get("apps/1400000077/usersig-key".into()).await.json().await.unwrap();
    assert_eq!(key["key"], "every", "--usersig-key without --sdk-app-ids is every app's");
    child.kill().unwrap();
    child.wait().unwrap();

    // Bad settings stop start-up, naming the app.
    std::fs::write(&file, r#"{"apps": {"1400000005": {"callbacks": {"urls": {"room": "ftp://x"}}}}}"#).unwrap();
    let out = run(&["--addr", "127.0.0.1:0", "--apps-file", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("SdkAppId 1400000005") && err.contains("http://"), "{err}");
}
