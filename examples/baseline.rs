//! The load comparison's baseline: a minimal axum server that answers every request with one
//! constant JSON body (the emulator's answer to the documentation example's DescribeUserInfo,
//! 417 bytes) and `GET /_mock/health` with a constant readiness document, so that the same load
//! and start-up harness (`scripts/load/compare.sh`) measures it exactly as it measures the
//! emulator. It does nothing per request: no parsing, no signature, no log line.
//!
//! ```sh
//! cargo run --release --example baseline -- --addr 127.0.0.1:8081
//! ```

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const BODY: &str = r#"{"Response":{"Total":2,"UserList":[{"RoomStr":"218695","UserId":"user1_54816741","JoinTs":1590065777,"LeaveTs":1590067658,"DeviceType":"","SdkVersion":"4.3.14","ClientIp":"10.4.1.13","Finished":true},{"RoomStr":"218695","UserId":"user2_2107025","JoinTs":1590065700,"LeaveTs":1590067693,"DeviceType":"","SdkVersion":"4.3.14","ClientIp":"10.4.1.13","Finished":true}],"RequestId":"724299e7-d012-4a91-a274-59f15d954f8a"}}"#;

async fn answer() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], BODY)
}

async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"ready":true,"status":"ready"}"#)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = String::from("127.0.0.1:8081");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value"),
            other => panic!("unknown argument {other} (only --addr ADDR)"),
        }
    }
    let app = Router::new().route("/_mock/health", get(health)).fallback(answer);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
