//! The fuzz target's body (`fuzz/src/lib.rs`) without libFuzzer: over random inputs from
//! proptest, over the regression inputs of issue 11, and over well-formed signed requests (so
//! that the fuzzer's signing is known to get past authentication). The coverage-guided run is
//! `scripts/fuzz`.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use arbitrary::{Arbitrary, Unstructured};
use harness::{Input, Name, Sign, Verb};
use proptest::prelude::*;

fn plausible(verb: Verb, action: &str, headers: Vec<(Name, Vec<u8>)>, query: &str, body: &[u8], sign: Sign) -> Input {
    let actions = trtc_mock::catalog::get().actions();
    let index = actions.iter().position(|a| a.name == action).expect("a known action");
    Input {
        verb,
        query: query.to_owned(),
        plausible: true,
        action: u8::try_from(index).unwrap(),
        headers,
        body: body.to_vec(),
        sign,
    }
}

fn tc3(extra: Vec<Name>) -> Sign {
    Sign::Tc3 { extra, service: None, date_shift: 0, lower_values: false }
}

const ROOMS: &[u8] = br#"{"SdkAppId": 1400000001, "StartTime": 1763996400, "EndTime": 1764000000}"#;

#[test]
fn the_fuzzer_signs_its_way_past_authentication() {
    let admitted = |input: Input| harness::run(input).expect("a representable request");
    assert_eq!(admitted(plausible(Verb::Post, "DescribeRoomInfo", vec![], "", ROOMS, tc3(vec![]))), Ok(()));
    assert_eq!(
        admitted(plausible(
            Verb::Post,
            "DescribeRoomInfo",
            vec![],
            "",
            ROOMS,
            tc3(vec![Name::Action, Name::Timestamp])
        )),
        Ok(())
    );
    let query = "SdkAppId=1400000001&StartTime=1763996400&EndTime=1764000000";
    assert_eq!(admitted(plausible(Verb::Get, "DescribeRoomInfo", vec![], query, b"", tc3(vec![]))), Ok(()));
    for sha256 in [false, true] {
        assert_eq!(admitted(plausible(Verb::Get, "DescribeRoomInfo", vec![], query, b"", Sign::V1 { sha256 })), Ok(()));
        assert_eq!(
            admitted(plausible(Verb::Post, "DescribeRoomInfo", vec![], "", query.as_bytes(), Sign::V1 { sha256 })),
            Ok(())
        );
    }
    // Past authentication, every action is reached: its own parameter checks answer.
    for action in trtc_mock::catalog::get().actions() {
        let outcome = admitted(plausible(Verb::Post, action.name, vec![], "", b"{}", tc3(vec![])));
        if let Err(code) = outcome {
            assert!(!code.starts_with("AuthFailure"), "{}: {code}", action.name);
        }
    }
}

#[test]
fn the_regressions_of_issue_11_hold() {
    let repeated = format!("content-type;host{}", ";x-big".repeat(20_000));
    let authorization = format!(
        "TC3-HMAC-SHA256 Credential={}/2025-11-24/trtc/tc3_request, SignedHeaders={repeated}, Signature={}",
        harness::SECRET_ID,
        "0".repeat(64)
    );
    let input = plausible(
        Verb::Post,
        "DescribeRoomInfo",
        vec![(Name::Authorization, authorization.into_bytes()), (Name::Other("x-big".into()), vec![b'b'; 60_000])],
        "",
        ROOMS,
        Sign::None,
    );
    assert_eq!(harness::run(input), Some(Err("AuthFailure.InvalidAuthorization".to_owned())));

    // Signed correctly over 32 headers of 2.5 KB: over the canonical-request cap.
    let names: Vec<Name> = (0..30).map(|i| Name::Other(format!("x-pad-{i}"))).collect();
    let headers = names.iter().map(|n| (n.clone(), vec![b'p'; 2500])).collect();
    let wide = plausible(Verb::Post, "DescribeRoomInfo", headers, "", ROOMS, tc3(names));
    assert_eq!(harness::run(wide), Some(Err("AuthFailure.InvalidAuthorization".to_owned())));

    // Timestamps at the ends of i64, signed correctly.
    for timestamp in [i64::MIN, i64::MAX, harness::NOW.wrapping_sub(i64::MIN)] {
        let input = plausible(
            Verb::Post,
            "DescribeRoomInfo",
            vec![(Name::Timestamp, timestamp.to_string().into_bytes())],
            "",
            ROOMS,
            tc3(vec![]),
        );
        assert_eq!(harness::run(input), Some(Err("AuthFailure.SignatureExpire".to_owned())), "{timestamp}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random bytes, read by `arbitrary` as libFuzzer's would be.
    #[test]
    fn random_inputs_are_admitted_or_refused_with_a_tencent_code(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(&bytes)) {
            let _ = harness::run(input);
        }
    }

    /// Plausible signed requests with random extra headers, query and body.
    #[test]
    fn random_signed_requests_are_admitted_or_refused_with_a_tencent_code(
        action in any::<u8>(),
        get in any::<bool>(),
        query in "[A-Za-z0-9.=&%+_-]{0,64}",
        body in proptest::collection::vec(any::<u8>(), 0..256),
        extra in proptest::collection::vec(("[a-z-]{1,12}", proptest::collection::vec(32u8..127, 0..64)), 0..6),
        v1 in any::<bool>(),
    ) {
        let headers: Vec<(Name, Vec<u8>)> = extra.iter().map(|(n, v)| (Name::Other(n.clone()), v.clone())).collect();
        let sign = if v1 {
            Sign::V1 { sha256: get }
        } else {
            tc3(headers.iter().map(|(n, _)| n.clone()).collect())
        };
        let input = Input {
            verb: if get { Verb::Get } else { Verb::Post },
            query,
            plausible: true,
            action,
            headers,
            body,
            sign,
        };
        let _ = harness::run(input);
    }
}
