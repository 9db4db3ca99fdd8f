//! Connection limits over a real socket (issue 11, defect 3): idle, partial-header,
//! incomplete-body and kept-alive connections are closed by their deadlines, and the number of
//! connections served at once is capped.
//!
//! Deadlines here are a second or two; the assertions only bound how late a close may come
//! (generously, for a loaded machine) and that it did not come before the deadline.

use crate::common;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::{Tc3, config, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trtc_mock::Config;

const HEADER: Duration = Duration::from_millis(1000);
const BODY: Duration = Duration::from_millis(1000);
const KEEP_ALIVE: Duration = Duration::from_millis(3000);
/// However loaded the machine, a deadline's close comes within this.
const LATE: Duration = Duration::from_secs(20);

fn short_deadlines() -> Config {
    Config { header_timeout: HEADER, body_timeout: BODY, keep_alive_timeout: KEEP_ALIVE, ..config() }
}

/// Reads until the server closes the connection; returns what came and when it closed.
async fn read_until_closed(stream: &mut TcpStream, started: Instant) -> (Vec<u8>, Duration) {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout(LATE, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, started.elapsed()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("still open after {LATE:?}: {}", String::from_utf8_lossy(&out)),
        }
    }
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_by_the_header_deadline() {
    let server = start(short_deadlines()).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let (bytes, closed) = read_until_closed(&mut stream, started).await;
    assert!(bytes.is_empty());
    assert!(closed >= HEADER - Duration::from_millis(100), "closed after {closed:?}");
}

#[tokio::test]
async fn headers_trickled_byte_by_byte_are_cut_at_the_header_deadline() {
    let server = start(short_deadlines()).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // One more header line every 100 ms, for up to 30 s: the deadline is total, not per byte.
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for i in 0..300 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes()).await.is_err() {
                return i;
            }
        }
        300
    });
    let mut buf = Vec::new();
    let read = tokio::time::timeout(LATE, reader.read_to_end(&mut buf)).await;
    let closed = started.elapsed();
    assert!(read.is_ok(), "still open after {LATE:?}");
    assert!(closed >= HEADER - Duration::from_millis(100), "closed after {closed:?}");
    let lines = trickle.await.unwrap();
    assert!(lines < 300, "the trickle went on for {lines} lines");
}

#[tokio::test]
async fn an_incomplete_body_is_answered_in_the_envelope_at_the_body_deadline() {
    let server = start(short_deadlines()).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Sdk")
        .await
        .unwrap();
    let (bytes, closed) = read_until_closed(&mut stream, started).await;
    assert!(closed >= BODY - Duration::from_millis(100), "closed after {closed:?}");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["Response"]["Error"]["Code"], "InvalidParameter", "{body}");
    let message = body["Response"]["Error"]["Message"].as_str().unwrap();
    assert!(message.contains("did not arrive within 1 s"), "{message}");
    assert!(body["Response"]["RequestId"].as_str().is_some());
}

/// One whole request on `stream`; returns the status line and the body (by Content-Length).
async fn exchange(stream: &mut TcpStream, request: &[u8]) -> (String, Vec<u8>) {
    stream.write_all(request).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(LATE, stream.read(&mut byte)).await.expect("an answer").unwrap();
        assert_eq!(n, 1, "closed mid-answer: {}", String::from_utf8_lossy(&head));
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
        .unwrap();
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.unwrap();
    (head.lines().next().unwrap().to_owned(), body)
}

#[tokio::test]
async fn a_kept_alive_connection_serves_again_then_closes_when_idle() {
    let server = start(short_deadlines()).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let request = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n";
    for _ in 0..3 {
        let (status, _) = exchange(&mut stream, request).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        // Idle for less than the keep-alive deadline (but longer than the header one).
        tokio::time::sleep(HEADER + Duration::from_millis(200)).await;
    }
    let (status, _) = exchange(&mut stream, request).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let idle_from = Instant::now();
    let (bytes, closed) = read_until_closed(&mut stream, idle_from).await;
    assert!(bytes.is_empty());
    assert!(closed >= KEEP_ALIVE - Duration::from_millis(100), "closed after {closed:?}");
}

#[tokio::test]
async fn a_client_that_does_not_read_its_answers_is_cut_at_the_keep_alive_deadline() {
    let server = start(Config { journal_size: 200, ..short_deadlines() }).await;
    // A journal of 200 entries makes GET /_mock/requests answer some 60 KB.
    for _ in 0..200 {
        client_get(server.addr(), "/?Action=DescribeRoomInfo").await;
    }
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let request = b"GET /_mock/requests HTTP/1.1\r\nHost: x\r\n\r\n";
    let started = Instant::now();
    // Pipeline far more answers than the socket buffers hold, and read none of them.
    let mut sent = 0;
    while sent < 2000 {
        match tokio::time::timeout(Duration::from_secs(1), stream.write_all(request)).await {
            Ok(Ok(())) => sent += 1,
            _ => break,
        }
    }
    tokio::time::sleep(KEEP_ALIVE + Duration::from_millis(500)).await;
    let (bytes, closed) = read_until_closed(&mut stream, started).await;
    let answers = String::from_utf8_lossy(&bytes).matches("HTTP/1.1 200 OK").count();
    assert!(answers < sent, "{answers} answers of {sent} before the close");
    assert!(closed >= KEEP_ALIVE, "closed after {closed:?}");
}

async fn client_get(addr: SocketAddr, path: &str) {
    let response = common::client().get(format!("http://{addr}{path}")).send().await.unwrap();
    assert!(response.status().is_success());
}

#[tokio::test]
async fn at_the_connection_cap_new_clients_wait_and_are_served_once_slots_free() {
    let server = start(Config { max_connections: Some(4), ..short_deadlines() }).await;
    // Twelve connections that never send a byte: four are served (and cut at the header
    // deadline), the rest wait in the backlog for their turn.
    let mut idle = Vec::new();
    for _ in 0..12 {
        idle.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let started = Instant::now();
    let now = common::GENERATED_NOW;
    let request =
        Tc3::post("DescribeRoomInfo", json!({"SdkAppId": 1_400_000_001u64, "StartTime": now - 60, "EndTime": now}));
    let reply = tokio::time::timeout(LATE * 2, request.send(&server.url())).await.expect("served once slots free");
    reply.ok();
    // Three rounds of four idle connections go before it.
    assert!(started.elapsed() >= 2 * HEADER, "served after {:?}", started.elapsed());
    drop(idle);
}
