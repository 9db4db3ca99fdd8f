//! Rate limits over a real socket: Tencent's fixed one-second windows per (SecretId, action),
//! counted after authentication, on real elapsed time.

use crate::common;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::{Tc3, assert_code, config, start};
use serde_json::json;
use trtc_mock::config::RateLimitMode;
use trtc_mock::{Account, Config};

const NOW: i64 = common::GENERATED_NOW;

fn request() -> Tc3 {
    Tc3::post("DescribeRoomInfo", json!({"SdkAppId": 1400000001u64, "StartTime": NOW - 60, "EndTime": NOW}))
}

/// Sleeps until just after a wall-clock second starts, so a burst fits in one window.
async fn next_second() {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_millis();
    tokio::time::sleep(Duration::from_millis(u64::from(1000 - ms) + 5)).await;
}

fn limited() -> Config {
    let mut cfg = config();
    cfg.rate_limit = RateLimitMode::Documented;
    cfg.accounts.push(Account::new("AKIDother", "other-secret"));
    cfg
}

#[tokio::test]
async fn the_21st_call_in_a_second_fails_and_the_next_second_passes() {
    let server = start(limited()).await;
    let url = server.url();
    next_second().await;
    for _ in 0..20 {
        request().send(&url).await.ok();
    }
    let reply = request().send(&url).await;
    assert_code(&reply, "RequestLimitExceeded");
    assert_eq!(
        reply.message(),
        "Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls."
    );
    let mut zh = request();
    zh.language = Some("zh-CN".into());
    assert_eq!(zh.send(&url).await.message(), "您当前每秒请求 `22` 次，超过了每秒频率上限 `20`，请稍后重试。");

    // Other keys have their own budget in the same second.
    let mut other_account = request();
    other_account.secret_id = "AKIDother".into();
    other_account.secret_key = "other-secret".into();
    other_account.send(&url).await.ok();
    let other_action = Tc3::post(
        "DescribeUserInfo",
        json!({"SdkAppId": 1400000001u64, "CommId": "1400000001_1_1763999000", "StartTime": NOW - 60, "EndTime": NOW}),
    );
    other_action.send(&url).await.ok();

    next_second().await;
    request().send(&url).await.ok();
}

#[tokio::test]
async fn refused_signatures_do_not_count_and_throttling_precedes_validation() {
    let server = start(limited()).await;
    let url = server.url();
    next_second().await;
    let mut bad = request();
    bad.secret_key = "wrong".into();
    for _ in 0..25 {
        assert_code(&bad.send(&url).await, "AuthFailure.SignatureFailure");
    }
    for _ in 0..20 {
        request().send(&url).await.ok();
    }
    let unknown = Tc3::post("DescribeRoomInfo", json!({"Bogus": 1}));
    assert_code(&unknown.send(&url).await, "RequestLimitExceeded");
}

#[tokio::test]
async fn a_configured_limit_applies_to_every_action() {
    let mut cfg = limited();
    cfg.rate_limit = RateLimitMode::PerSecond(2);
    let server = start(cfg).await;
    next_second().await;
    request().send(&server.url()).await.ok();
    request().send(&server.url()).await.ok();
    let reply = request().send(&server.url()).await;
    assert!(reply.message().contains("frequency limit `2`"), "{}", reply.raw);
}
