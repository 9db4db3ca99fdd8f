//! Signature v1 (HmacSHA1 / HmacSHA256): pure functions, no I/O, no clock.
//!
//! `StringToSign = METHOD + host + "/?" + name=value&…` over every parameter but `Signature`,
//! decoded, sorted by name in byte order; the signature is the Base64 HMAC of it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// Hash of the v1 HMAC: SHA-256 only when `SignatureMethod=HmacSHA256`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    HmacSha1,
    HmacSha256,
}

impl Method {
    /// What the `SignatureMethod` parameter selects: anything but `HmacSHA256` (absent too) is SHA-1.
    pub fn from_param(value: Option<&str>) -> Self {
        match value {
            Some("HmacSHA256") => Method::HmacSha256,
            _ => Method::HmacSha1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::HmacSha1 => "HmacSHA1",
            Method::HmacSha256 => "HmacSHA256",
        }
    }
}

/// The string to sign. `params` are the decoded parameters without `Signature`, in any order.
pub fn string_to_sign(method: &str, host: &str, params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::with_capacity(128 + params.len() * 24);
    out.push_str(method);
    out.push_str(host);
    out.push_str("/?");
    for (i, (name, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Raw signature bytes (the wire form is their Base64).
pub fn sign(method: Method, secret_key: &str, string_to_sign: &str) -> Vec<u8> {
    match method {
        Method::HmacSha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(secret_key.as_bytes()).expect("any key length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Method::HmacSha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).expect("any key length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// Decodes the client's Base64 signature; `None` if it is not Base64.
pub fn decode_signature(value: &str) -> Option<Vec<u8>> {
    STANDARD.decode(value).ok()
}

#[cfg(test)]
mod tests {
    //! Vectors v1-A…D of the Tencent Cloud signature documentation, re-computed with the
    //! official Python SDK, and two complete requests built by that SDK.
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    const DOC_PARAMS: &[(&str, &str)] = &[
        ("Action", "DescribeInstances"),
        ("InstanceIds.0", "ins-09dx96dg"),
        ("Limit", "20"),
        ("Nonce", "11886"),
        ("Offset", "0"),
        ("Region", "ap-guangzhou"),
        ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
        ("Timestamp", "1465185768"),
        ("Version", "2017-03-12"),
    ];
    const DOC_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

    #[test]
    fn doc_vector_a_hmac_sha1_get() {
        let sts = string_to_sign("GET", "cvm.tencentcloudapi.com", DOC_PARAMS);
        assert_eq!(
            sts,
            "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12"
        );
        assert_eq!(b64(&sign(Method::HmacSha1, DOC_KEY, &sts)), "EliP9YW3pW28FpsEdkXt/+WcGeI=");
    }

    #[test]
    fn doc_vectors_b_and_c_hmac_sha256() {
        let mut params = DOC_PARAMS.to_vec();
        params.push(("SignatureMethod", "HmacSHA256"));
        let get = string_to_sign("GET", "cvm.tencentcloudapi.com", &params);
        assert_eq!(b64(&sign(Method::HmacSha256, DOC_KEY, &get)), "A8uy2/o7WBZXYCTWEFpMrVGhGBVlEGIOioeqRM+fzFs=");
        let post = string_to_sign("POST", "cvm.tencentcloudapi.com", &params);
        assert_eq!(b64(&sign(Method::HmacSha256, DOC_KEY, &post)), "qwaMxk0NcXl0kw8VKseP3kAXJTW8MuyduO2uDJ69szQ=");
    }

    #[test]
    fn trtc_vector_d_decoded_values_are_signed_raw() {
        let params = [
            ("Action", "RemoveUser"),
            ("Version", "2019-07-22"),
            ("Region", "ap-guangzhou"),
            ("Nonce", "12345"),
            ("Timestamp", "1700000000"),
            ("SecretId", "AKIDEXAMPLE"),
            ("SignatureMethod", "HmacSHA256"),
            ("SdkAppId", "1400000001"),
            ("RoomId", "1234"),
            ("UserIds.0", "u 1"),
            ("UserIds.1", "用户2"),
        ];
        let sts = string_to_sign("POST", "trtc.tencentcloudapi.com", &params);
        assert_eq!(
            sts,
            "POSTtrtc.tencentcloudapi.com/?Action=RemoveUser&Nonce=12345&Region=ap-guangzhou&RoomId=1234&SdkAppId=1400000001&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&Timestamp=1700000000&UserIds.0=u 1&UserIds.1=用户2&Version=2019-07-22"
        );
        assert_eq!(
            b64(&sign(Method::HmacSha256, "SECRETEXAMPLE", &sts)),
            "kvZP/RU+Mol9/ToO6PiCJEJnCUE+gJGTJwASwbUO6yk="
        );
    }

    fn sdk_request(method: &str, wire: &str) -> (String, String, Method) {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(wire.as_bytes()).into_owned().collect();
        let signature = pairs.iter().find(|(k, _)| k == "Signature").unwrap().1.clone();
        let params: Vec<(&str, &str)> =
            pairs.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let m = Method::from_param(params.iter().find(|(k, _)| *k == "SignatureMethod").map(|(_, v)| *v));
        let sts = string_to_sign(method, "trtc.tencentcloudapi.com", &params);
        (b64(&sign(m, "SECRETEXAMPLE", &sts)), signature, m)
    }

    #[test]
    fn python_sdk_requests() {
        let post = "SdkAppId=1400000001&RoomId=1234&UserIds.0=u1&UserIds.1=u2&Action=RemoveUser&RequestClient=SDK_PYTHON_3.1.195&Nonce=5249979066121302518&Timestamp=1700000000&Version=2019-07-22&Region=ap-guangzhou&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&Language=zh-CN&Signature=L5TKWoRyQuAmXX1Iu6NceQnDcZ4azY%2Be6qzIf4B9%2BM8%3D";
        let (ours, theirs, method) = sdk_request("POST", post);
        assert_eq!((ours, method), (theirs, Method::HmacSha256));
        let get = "SdkAppId=1400000001&RoomId=1234&UserIds.0=u1&UserIds.1=u2&Action=RemoveUser&RequestClient=SDK_PYTHON_3.1.195&Nonce=7399589116837456608&Timestamp=1700000000&Version=2019-07-22&Region=ap-guangzhou&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA1&Language=zh-CN&Signature=Byz5CsH7E9Gj%2FcQKjS9qzo5CjaQ%3D";
        let (ours, theirs, method) = sdk_request("GET", get);
        assert_eq!((ours, method), (theirs, Method::HmacSha1));
    }

    #[test]
    fn signature_method_defaults_to_sha1() {
        assert_eq!(Method::from_param(None), Method::HmacSha1);
        assert_eq!(Method::from_param(Some("hmacsha256")), Method::HmacSha1);
        assert_eq!(Method::from_param(Some("HmacSHA256")), Method::HmacSha256);
    }
}
