//! Regression tests of issue 11 (defects found by probing the running server), over a real
//! socket with the independent signer of `tests/common`. Connection timeouts and the connection
//! cap are in `tests/connections.rs`.

mod common;

use common::{Tc3, V1, assert_code, config, start, unix_now};
use serde_json::json;

const APP: u64 = 1_400_000_001;

fn valid() -> Tc3 {
    let now = common::GENERATED_NOW;
    Tc3::post("DescribeRoomInfo", json!({"SdkAppId": APP, "StartTime": now - 3600, "EndTime": now}))
}

// ---- 6. the timestamp window does not wrap ---------------------------------------------------

#[tokio::test]
async fn a_timestamp_2_pow_63_in_the_past_is_expired_in_both_signatures() {
    let server = start(config()).await;
    let url = server.url();
    let far = unix_now().wrapping_sub(i64::MIN); // now − 2⁶³

    let mut v1 = V1::new("GET", "DescribeRoomInfo", &[("SdkAppId", "1400000001")]);
    v1.set("Timestamp", &far.to_string());
    assert_code(&v1.send(&url).await, "AuthFailure.SignatureExpire");
    let mut v1_post = V1::new("POST", "DescribeRoomInfo", &[("SdkAppId", "1400000001")]);
    v1_post.set("Timestamp", &far.to_string());
    assert_code(&v1_post.send(&url).await, "AuthFailure.SignatureExpire");

    // Over TC3, signed with today's credential date (a date of year −292 billion is no date).
    let mut tc3 = valid();
    tc3.credential_date = Some(common::utc_date(unix_now()));
    tc3.timestamp = far;
    assert_code(&tc3.send(&url).await, "AuthFailure.SignatureExpire");
    for extreme in [i64::MIN, i64::MAX] {
        tc3.timestamp = extreme;
        assert_code(&tc3.send(&url).await, "AuthFailure.SignatureExpire");
    }
    valid().send(&url).await.ok();
}
