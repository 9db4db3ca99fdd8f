//! TC3-HMAC-SHA256, the API 3.0 signature: pure functions, no I/O, no clock.
//!
//! ```text
//! CanonicalRequest = Method \n "/" \n Query \n CanonicalHeaders \n SignedHeaders \n hex(sha256(payload))
//! StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n Date/service/tc3_request \n hex(sha256(CanonicalRequest))
//! SigningKey       = HMAC(HMAC(HMAC("TC3" + SecretKey, Date), service), "tc3_request")
//! Signature        = hex(HMAC(SigningKey, StringToSign))
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// The hash signed in place of the body when `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` is sent.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Most header names `SignedHeaders` may list (the SDKs sign two, `content-type;host`).
pub const MAX_SIGNED_HEADERS: usize = 32;

/// Largest canonical request the server builds: the URL limit (32 KiB of query) and as much
/// again for the signed headers' names and values. Checked before anything is built, so that
/// the work per request is bounded whatever `SignedHeaders` lists.
pub const MAX_CANONICAL_REQUEST: usize = 64 * 1024;

/// Length of [`canonical_request`] for these parts, computed without building it. `headers`
/// gives each signed header's name and untrimmed value length (an upper bound).
pub fn canonical_request_len<'a>(
    method: &str,
    query: &str,
    headers: impl IntoIterator<Item = (&'a str, usize)>,
    signed_headers: &str,
) -> usize {
    let fixed = method.len() + 3 + query.len() + 1 + 1 + signed_headers.len() + 1 + 64;
    headers.into_iter().fold(fixed, |sum, (name, value)| sum.saturating_add(name.len() + 2).saturating_add(value))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lower-case hex SHA-256, on the stack.
pub fn sha256_hex_array(data: &[u8]) -> [u8; 64] {
    hex_array(&Sha256::digest(data).into())
}

/// Lower-case hex of 32 bytes, on the stack.
pub fn hex_array(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex::encode_to_slice(bytes, &mut out).expect("64 hex digits for 32 bytes");
    out
}

/// The text of lower-case hex digits.
pub fn hex_str(hex: &[u8; 64]) -> &str {
    std::str::from_utf8(hex).expect("hex digits are ASCII")
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Where a canonical request is written: a string (to show it) or a running hash (to sign it
/// without building it).
pub trait Sink {
    fn put(&mut self, text: &str);
}

impl Sink for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, text: &str) {
        Digest::update(self, text.as_bytes());
    }
}

/// Writes the canonical request to `sink` (see [`canonical_request`]).
pub fn write_canonical_request<N, V>(
    sink: &mut impl Sink,
    method: &str,
    query: &str,
    headers: impl IntoIterator<Item = (N, V)>,
    signed_headers: &str,
    payload_hash_hex: &str,
) where
    N: AsRef<str>,
    V: AsRef<str>,
{
    sink.put(method);
    sink.put("\n/\n");
    sink.put(query);
    sink.put("\n");
    for (name, value) in headers {
        sink.put(name.as_ref());
        sink.put(":");
        sink.put(value.as_ref().trim());
        sink.put("\n");
    }
    sink.put("\n");
    sink.put(signed_headers);
    sink.put("\n");
    sink.put(payload_hash_hex);
}

/// The canonical request. `headers` are the signed headers as `(lower-case name, value)`, in
/// the order of `signed_headers`; values are trimmed here.
pub fn canonical_request(
    method: &str,
    query: &str,
    headers: &[(&str, &str)],
    signed_headers: &str,
    payload_hash_hex: &str,
) -> String {
    let mut out = String::with_capacity(256);
    write_canonical_request(&mut out, method, query, headers.iter().copied(), signed_headers, payload_hash_hex);
    out
}

/// The string to sign; `date` is the credential date (`YYYY-MM-DD`, UTC).
pub fn string_to_sign(timestamp: &str, date: &str, service: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The derived signing key, which depends only on the secret, the date and the service.
pub fn signing_key(secret_key: &str, date: &str, service: &str) -> [u8; 32] {
    let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac(&secret_date, service.as_bytes());
    hmac(&secret_service, b"tc3_request")
}

/// Raw signature bytes (the wire form is their lower-case hex).
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> [u8; 32] {
    hmac(signing_key, string_to_sign.as_bytes())
}

/// HMAC-SHA256 already keyed with a signing key: cloning it skips hashing the key's pads again.
#[derive(Clone)]
pub struct Keyed(HmacSha256);

impl Keyed {
    pub fn new(signing_key: &[u8; 32]) -> Self {
        Self(HmacSha256::new_from_slice(signing_key).expect("HMAC accepts keys of any length"))
    }

    /// The signature of the string to sign made of these parts, without building it: the same
    /// bytes as [`signature`] over [`string_to_sign`] (`canonical_hash_hex` is the hex SHA-256 of
    /// the canonical request).
    pub fn sign(&self, timestamp: &str, date: &str, service: &str, canonical_hash_hex: &str) -> [u8; 32] {
        let mut mac = self.0.clone();
        for part in [ALGORITHM, "\n", timestamp, "\n", date, "/", service, "/tc3_request\n", canonical_hash_hex] {
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }
}

/// The parts of an `Authorization: TC3-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub secret_id: &'a str,
    pub date: &'a str,
    pub service: &'a str,
    pub signed_headers: &'a str,
    pub signature: [u8; 32],
}

impl<'a> Authorization<'a> {
    /// Parses the header; the error names what does not conform. Extra spaces after the commas
    /// are tolerated; the service may contain `:` (the Node SDK puts `localhost:PORT` there).
    pub fn parse(header: &'a str) -> Result<Self, &'static str> {
        let rest = header.strip_prefix(ALGORITHM).and_then(|r| r.strip_prefix(' ')).ok_or("`Algorithm` not valid")?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed_headers = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            } else {
                return Err("unexpected component");
            }
        }
        let credential = credential.ok_or("`Credential` missing")?;
        let signed_headers = signed_headers.ok_or("`SignedHeaders` missing")?;
        let signature = signature.ok_or("`Signature` missing")?;

        let mut scope = credential.rsplitn(4, '/');
        let (Some(terminator), Some(service), Some(date), Some(secret_id)) =
            (scope.next(), scope.next(), scope.next(), scope.next())
        else {
            return Err("`Credential` not valid");
        };
        if terminator != "tc3_request" {
            return Err("`Credential` not valid");
        }
        if secret_id.is_empty() {
            return Err("`SecretId` in Credential not valid");
        }
        if service.is_empty() {
            return Err("`Service` in Credential not valid");
        }
        if !is_date(date) {
            return Err("`Date` in Credential not valid");
        }
        // One pass over the names: their syntax, how many, and the first few kept to compare.
        let mut names = [""; MAX_SIGNED_HEADERS];
        let mut count = 0usize;
        let mut headers_ok = !signed_headers.is_empty();
        for name in signed_headers.split(';') {
            headers_ok &=
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if let Some(slot) = names.get_mut(count) {
                *slot = name;
            }
            count += 1;
        }
        if !headers_ok {
            return Err("`SignedHeaders` not valid");
        }
        // Each name once, and a few: a name listed thousands of times would repeat its value
        // as often in the canonical request.
        if count > MAX_SIGNED_HEADERS {
            return Err("`SignedHeaders` lists more than 32 headers");
        }
        let names = &names[..count];
        if names.iter().enumerate().any(|(i, name)| names[..i].contains(name)) {
            return Err("`SignedHeaders` lists a header more than once");
        }
        if !names.contains(&"content-type") || !names.contains(&"host") {
            return Err("`SignedHeaders` must include `content-type` and `host`");
        }
        let mut bytes = [0u8; 32];
        if signature.len() != 64 || hex::decode_to_slice(signature, &mut bytes).is_err() {
            return Err("`Signature` not valid");
        }
        Ok(Self { secret_id, date, service, signed_headers, signature: bytes })
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    //! Vectors A, B, D from the Tencent Cloud signature documentation (re-computed with the
    //! official SDK's signer) and E–I built by the official Python and Node SDKs.
    use super::*;

    const DOC_PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn doc_canonical() -> String {
        canonical_request(
            "POST",
            "",
            &[("content-type", "application/json; charset=utf-8"), ("host", "cvm.tencentcloudapi.com")],
            "content-type;host",
            &sha256_hex(DOC_PAYLOAD.as_bytes()),
        )
    }

    #[test]
    fn doc_payload_hash() {
        assert_eq!(
            sha256_hex(DOC_PAYLOAD.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
    }

    #[test]
    fn doc_vector_a_stage_by_stage() {
        let canonical = doc_canonical();
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        let sts = string_to_sign("1551113065", "2019-02-25", "cvm", &canonical);
        assert_eq!(
            sts,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        let key = signing_key("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
        assert_eq!(
            hex::encode(signature(&key, &sts)),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn doc_vector_b_intermediate_keys() {
        let secret = "Gu5t9xGARNpq86cd98joQYCN3*******";
        let secret_date = hmac(format!("TC3{secret}").as_bytes(), b"2019-02-25");
        assert_eq!(hex::encode(secret_date), "f1cb4d518a0eda9d5cbbfdb7850983f1e603eeae484edea76e4dd8d8deb5556e");
        let secret_service = hmac(&secret_date, b"cvm");
        assert_eq!(hex::encode(secret_service), "e7c609ce81bea53546bed2cc904778bef9ca14082e48e67883443ed64e227cd7");
        let key = signing_key(secret, "2019-02-25", "cvm");
        assert_eq!(hex::encode(key), "8aa8ab5755582f576e94bcfe383b8e29325b0ca90c3590d569221c6a63a091ed");
        let sts = string_to_sign("1551113065", "2019-02-25", "cvm", &doc_canonical());
        assert_eq!(
            hex::encode(signature(&key, &sts)),
            "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
    }

    #[test]
    fn doc_vector_c_signed_action_header() {
        let canonical = canonical_request(
            "POST",
            "",
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("host", "cvm.tencentcloudapi.com"),
                ("x-tc-action", "describeinstances"),
            ],
            "content-type;host;x-tc-action",
            &sha256_hex(DOC_PAYLOAD.as_bytes()),
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        let signing = hex::decode("b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af").unwrap();
        let sts = string_to_sign("1551113065", "2019-02-25", "cvm", &canonical);
        assert_eq!(
            hex::encode(signature(&signing.try_into().unwrap(), &sts)),
            "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
    }

    #[test]
    fn the_streamed_signature_is_the_built_one() {
        let canonical = doc_canonical();
        let mut hasher = Sha256::new();
        write_canonical_request(
            &mut hasher,
            "POST",
            "",
            [("content-type", "application/json; charset=utf-8"), ("host", "cvm.tencentcloudapi.com")],
            "content-type;host",
            &sha256_hex(DOC_PAYLOAD.as_bytes()),
        );
        let hash = hex_array(&hasher.finalize().into());
        assert_eq!(hex_str(&hash), sha256_hex(canonical.as_bytes()));
        assert_eq!(hex_str(&sha256_hex_array(canonical.as_bytes())), sha256_hex(canonical.as_bytes()));
        let key = signing_key("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
        let sts = string_to_sign("1551113065", "2019-02-25", "cvm", &canonical);
        assert_eq!(Keyed::new(&key).sign("1551113065", "2019-02-25", "cvm", hex_str(&hash)), signature(&key, &sts));
    }

    #[test]
    fn doc_vector_d_get() {
        let canonical = canonical_request(
            "GET",
            "Limit=10&Offset=0",
            &[("content-type", "application/x-www-form-urlencoded"), ("host", "cvm.tencentcloudapi.com")],
            "content-type;host",
            &sha256_hex(b""),
        );
        let key = signing_key("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2018-10-09", "cvm");
        let sts = string_to_sign("1539084154", "2018-10-09", "cvm", &canonical);
        assert_eq!(
            hex::encode(signature(&key, &sts)),
            "5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474"
        );
    }

    fn trtc_signature(method: &str, host: &str, service: &str, query: &str, body: &str, content_type: &str) -> String {
        let payload = if method == "GET" { "" } else { body };
        let canonical = canonical_request(
            method,
            query,
            &[("content-type", content_type), ("host", host)],
            "content-type;host",
            &sha256_hex(payload.as_bytes()),
        );
        let sts = string_to_sign("1700000000", "2023-11-14", service, &canonical);
        hex::encode(signature(&signing_key("SECRETEXAMPLE", "2023-11-14", service), &sts))
    }

    #[test]
    fn trtc_vectors_from_the_python_sdk() {
        let e =
            r#"{"SdkAppId": 1400000001, "StartTime": 1699990000, "EndTime": 1700000000, "RoomId": "\u623f\u95f4 1"}"#;
        assert_eq!(
            trtc_signature("POST", "trtc.tencentcloudapi.com", "trtc", "", e, "application/json"),
            "e0a07d2989694f8331a56c4e059a292c86fbff18ff8a2f3591554bc33e81bbd0"
        );
        assert_eq!(
            trtc_signature(
                "GET",
                "trtc.tencentcloudapi.com",
                "trtc",
                "SdkAppId=1400000001&RoomId=1234&UserIds.0=u1&UserIds.1=u2",
                "",
                "application/x-www-form-urlencoded"
            ),
            "d7a4cae5c06a12d1486ff44c4dc4b06e169621089e9c8e93163f587a7c12dead"
        );
        let g = r#"{"SdkAppId": 1400000001, "RoomId": 1234, "UserIds": ["u1", "u2"]}"#;
        assert_eq!(
            trtc_signature("POST", "127.0.0.1:8080", "trtc", "", g, "application/json"),
            "8f93cc2cac94cf0d693c7d9a66d96ed56aea0338cb35ad7b546034bf96866a08"
        );
    }

    #[test]
    fn trtc_vectors_from_the_node_sdk() {
        let body = r#"{"SdkAppId":1400000001,"RoomId":1234,"UserIds":["u1","u2"]}"#;
        assert_eq!(
            trtc_signature("POST", "127.0.0.1", "127", "", body, "application/json"),
            "c5111f4f60cee12d79b8a66bf5a3d2f90b3844bec5982abfef791ac9f0e872ad"
        );
        assert_eq!(
            trtc_signature("POST", "trtc.tencentcloudapi.com", "trtc", "", body, "application/json"),
            "cba0e0f38874bc41f82a43a0c46cbb4bb9770e08089ea965c0c9db7c70a0bb8c"
        );
    }

    #[test]
    fn parses_sdk_authorization_headers() {
        let header = "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host, Signature=e0a07d2989694f8331a56c4e059a292c86fbff18ff8a2f3591554bc33e81bbd0";
        let auth = Authorization::parse(header).unwrap();
        assert_eq!((auth.secret_id, auth.date, auth.service), ("AKIDEXAMPLE", "2023-11-14", "trtc"));
        assert_eq!(auth.signed_headers, "content-type;host");
        let node = "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/localhost:8080/tc3_request,  SignedHeaders=content-type;host,Signature=e0a07d2989694f8331a56c4e059a292c86fbff18ff8a2f3591554bc33e81bbd0";
        assert_eq!(Authorization::parse(node).unwrap().service, "localhost:8080");
    }

    #[test]
    fn the_canonical_length_is_known_before_building() {
        let headers = [("content-type", "application/json"), ("host", "h:1"), ("x-a", "v")];
        let lens: Vec<(&str, usize)> = headers.iter().map(|(n, v)| (*n, v.len())).collect();
        let built = canonical_request("POST", "a=b", &headers, "content-type;host;x-a", &sha256_hex(b""));
        assert_eq!(canonical_request_len("POST", "a=b", lens.iter().copied(), "content-type;host;x-a"), built.len());
    }

    #[test]
    fn thirty_two_distinct_signed_headers_are_allowed() {
        let sig = "e0a07d2989694f8331a56c4e059a292c86fbff18ff8a2f3591554bc33e81bbd0";
        let names = (0..30).map(|i| format!("x-{i}")).collect::<Vec<_>>().join(";");
        let header = format!(
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host;{names}, Signature={sig}"
        );
        assert!(Authorization::parse(&header).is_ok());
    }

    #[test]
    fn refuses_malformed_authorization_headers() {
        let sig = "e0a07d2989694f8331a56c4e059a292c86fbff18ff8a2f3591554bc33e81bbd0";
        for bad in [
            "SKIP".to_owned(),
            format!(
                "HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
            ),
            format!("TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc, SignedHeaders=content-type;host, Signature={sig}"),
            format!(
                "TC3-HMAC-SHA256 Credential=A/20231114/trtc/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
            ),
            format!("TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=host, Signature={sig}"),
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host, Signature=xyz"
                .to_owned(),
            format!("TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, Signature={sig}"),
            format!(
                "TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host;x-a;x-a, Signature={sig}"
            ),
            format!(
                "TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host;host, Signature={sig}"
            ),
            format!(
                "TC3-HMAC-SHA256 Credential=A/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host;{}, Signature={sig}",
                (0..31).map(|i| format!("x-{i}")).collect::<Vec<_>>().join(";")
            ),
        ] {
            assert!(Authorization::parse(&bad).is_err(), "{bad}");
        }
    }
}
