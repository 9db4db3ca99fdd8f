//! libFuzzer entry: request decoding and authentication, from raw method, headers, query and
//! body to a request ready for its handler or a Tencent error. The body of the target is
//! `trtc_mock_fuzz::run`, which `tests/fuzz_harness.rs` also runs without libFuzzer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: trtc_mock_fuzz::Input| {
    let _ = trtc_mock_fuzz::run(input);
});
