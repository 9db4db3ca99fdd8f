//! Test support: a Tencent Cloud API 3.0 client written from the published documentation,
//! independent of the emulator's own code, and a server started on port 0.
#![allow(dead_code)] // each test binary uses a different part

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use trtc_mock::config::RateLimitMode;
use trtc_mock::{Config, Running};

pub const ID: &str = "AKIDtest";
pub const KEY: &str = "test-secret";

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A config for tests: port 0, one known account, documented rate limits off unless a test
/// wants them, the seed fixture loaded, and a frozen clock.
pub fn config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        accounts: vec![trtc_mock::Account::new(ID, KEY)],
        rate_limit: RateLimitMode::Off,
        start_time: Some(GENERATED_NOW),
        freeze: true,
        ..Config::default()
    }
}

/// Virtual now of the generated-history tests.
pub const GENERATED_NOW: i64 = 1_764_000_000;

pub async fn start(config: Config) -> Running {
    Running::start(config).await.expect("server starts")
}

// ---- signing, from the TC3-HMAC-SHA256 and v1 documentation ----------------------------------

fn hmac256(key: &[u8], msg: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn utc_date(ts: i64) -> String {
    // Days since epoch to civil date (the documentation's date is UTC).
    let days = ts.div_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Everything that goes into one TC3 request; tests change fields to break one thing at a time.
#[derive(Clone, Debug)]
pub struct Tc3 {
    pub method: &'static str,
    pub action: String,
    pub region: Option<String>,
    pub version: String,
    pub timestamp: i64,
    pub secret_id: String,
    pub secret_key: String,
    pub service: String,
    /// Host that is signed; `None` signs the Host actually sent.
    pub signed_host: Option<String>,
    /// Host header sent; `None` lets the client set it.
    pub sent_host: Option<String>,
    pub content_type: String,
    /// TC3 POST body, or query string of a GET.
    pub payload: String,
    pub token: Option<String>,
    pub language: Option<String>,
    pub unsigned_payload: bool,
    /// Replaces the computed Authorization header.
    pub authorization: Option<String>,
    /// Header names left out of the request entirely.
    pub omit: Vec<&'static str>,
    /// Credential date signed; `None` is the UTC date of `timestamp`, as the SDKs do.
    pub credential_date: Option<String>,
    /// More headers sent (not signed unless `authorization` says so).
    pub extra_headers: Vec<(String, String)>,
    /// Headers sent as raw bytes (with `omit`, they replace the usual ones).
    pub raw_headers: Vec<(String, Vec<u8>)>,
    /// Also sign `X-TC-Action` (`SignedHeaders=content-type;host;x-tc-action`).
    pub signed_action: bool,
    /// Body bytes sent instead of `payload` (which stays what is signed).
    pub body_override: Option<Vec<u8>>,
}

impl Tc3 {
    pub fn post(action: &str, body: Value) -> Self {
        Self {
            method: "POST",
            action: action.to_owned(),
            region: Some("ap-guangzhou".to_owned()),
            version: "2019-07-22".to_owned(),
            timestamp: unix_now(),
            secret_id: ID.to_owned(),
            secret_key: KEY.to_owned(),
            service: "trtc".to_owned(),
            signed_host: None,
            sent_host: None,
            content_type: "application/json".to_owned(),
            payload: body.to_string(),
            token: None,
            language: None,
            unsigned_payload: false,
            authorization: None,
            omit: Vec::new(),
            credential_date: None,
            extra_headers: Vec::new(),
            raw_headers: Vec::new(),
            signed_action: false,
            body_override: None,
        }
    }

    pub fn get(action: &str, query: &str) -> Self {
        Self {
            method: "GET",
            content_type: "application/x-www-form-urlencoded".to_owned(),
            payload: query.to_owned(),
            ..Self::post(action, Value::Null)
        }
    }

    pub fn authorization_for(&self, host: &str) -> String {
        let query = if self.method == "GET" { self.payload.as_str() } else { "" };
        let payload_hash = if self.unsigned_payload {
            sha256_hex(b"UNSIGNED-PAYLOAD")
        } else if self.method == "GET" {
            sha256_hex(b"")
        } else {
            sha256_hex(self.payload.as_bytes())
        };
        let (action_line, signed_headers) = if self.signed_action {
            (format!("x-tc-action:{}\n", self.action), "content-type;host;x-tc-action")
        } else {
            (String::new(), "content-type;host")
        };
        let canonical = format!(
            "{}\n/\n{}\ncontent-type:{}\nhost:{}\n{action_line}\n{signed_headers}\n{}",
            self.method, query, self.content_type, host, payload_hash
        );
        let date = self.credential_date.clone().unwrap_or_else(|| utc_date(self.timestamp));
        let scope = format!("{date}/{}/tc3_request", self.service);
        let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", self.timestamp, sha256_hex(canonical.as_bytes()));
        let k_date = hmac256(format!("TC3{}", self.secret_key).as_bytes(), &date);
        let k_service = hmac256(&k_date, &self.service);
        let k_signing = hmac256(&k_service, "tc3_request");
        let signature = hex::encode(hmac256(&k_signing, &to_sign));
        format!(
            "TC3-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            self.secret_id
        )
    }

    /// Sends the request and checks the envelope's invariants on the answer.
    pub async fn send(&self, base: &str) -> Reply {
        Reply::from(self.send_raw(base).await.expect("request sent")).await
    }

    /// Sends the request and returns whatever came back (or the transport error).
    pub async fn send_raw(&self, base: &str) -> reqwest::Result<reqwest::Response> {
        let authority = base.trim_start_matches("http://");
        let sent_host = self.sent_host.clone().unwrap_or_else(|| authority.to_owned());
        let signed_host = self.signed_host.clone().unwrap_or_else(|| sent_host.clone());
        let auth = self.authorization.clone().unwrap_or_else(|| self.authorization_for(&signed_host));
        let url = if self.method == "GET" { format!("{base}/?{}", self.payload) } else { format!("{base}/") };
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut headers = vec![
            ("Host", sent_host),
            ("Content-Type", self.content_type.clone()),
            ("Authorization", auth),
            ("X-TC-Action", self.action.clone()),
            ("X-TC-Version", self.version.clone()),
            ("X-TC-Timestamp", self.timestamp.to_string()),
        ];
        if let Some(region) = &self.region {
            headers.push(("X-TC-Region", region.clone()));
        }
        if let Some(token) = &self.token {
            headers.push(("X-TC-Token", token.clone()));
        }
        if let Some(language) = &self.language {
            headers.push(("X-TC-Language", language.clone()));
        }
        if self.unsigned_payload {
            headers.push(("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD".to_owned()));
        }
        let mut request = client().request(method, url);
        for (name, value) in headers {
            if !self.omit.contains(&name) {
                request = request.header(name, value);
            }
        }
        for (name, value) in &self.extra_headers {
            request = request.header(name.as_str(), value.as_str());
        }
        for (name, value) in &self.raw_headers {
            let value = reqwest::header::HeaderValue::from_bytes(value).expect("a header value");
            request = request.header(name.as_str(), value);
        }
        if let Some(body) = &self.body_override {
            request = request.body(body.clone());
        } else if self.method != "GET" {
            request = request.body(self.payload.clone());
        }
        request.send().await
    }
}

/// A v1 (HmacSHA1 / HmacSHA256) request.
#[derive(Clone, Debug)]
pub struct V1 {
    pub method: &'static str,
    pub sha256: bool,
    pub params: Vec<(String, String)>,
    pub secret_key: String,
    /// Host signed; `None` signs the one sent.
    pub signed_host: Option<String>,
}

impl V1 {
    pub fn new(method: &'static str, action: &str, business: &[(&str, &str)]) -> Self {
        let mut params: Vec<(String, String)> = vec![
            ("Action".into(), action.into()),
            ("Version".into(), "2019-07-22".into()),
            ("Region".into(), "ap-guangzhou".into()),
            ("Timestamp".into(), unix_now().to_string()),
            ("Nonce".into(), "4242".into()),
            ("SecretId".into(), ID.into()),
            ("SignatureMethod".into(), "HmacSHA256".into()),
        ];
        params.extend(business.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Self { method, sha256: true, params, secret_key: KEY.to_owned(), signed_host: None }
    }

    pub fn sha1(mut self) -> Self {
        self.sha256 = false;
        self.set("SignatureMethod", "HmacSHA1");
        self
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.params.retain(|(k, _)| k != name);
        self.params.push((name.to_owned(), value.to_owned()));
    }

    pub fn remove(&mut self, name: &str) {
        self.params.retain(|(k, _)| k != name);
    }

    pub fn signature_for(&self, host: &str) -> String {
        let mut sorted = self.params.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let to_sign = format!("{}{host}/?{}", self.method, joined.join("&"));
        let raw = if self.sha256 {
            hmac256(self.secret_key.as_bytes(), &to_sign)
        } else {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(self.secret_key.as_bytes()).unwrap();
            mac.update(to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        };
        base64::engine::general_purpose::STANDARD.encode(raw)
    }

    pub fn encoded(&self, host: &str) -> String {
        let signed_host = self.signed_host.clone().unwrap_or_else(|| host.to_owned());
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.params {
            form.append_pair(k, v);
        }
        form.append_pair("Signature", &self.signature_for(&signed_host));
        form.finish()
    }

    pub async fn send(&self, base: &str) -> Reply {
        let host = base.trim_start_matches("http://");
        let encoded = self.encoded(host);
        let request = if self.method == "GET" {
            client().get(format!("{base}/?{encoded}"))
        } else {
            client().post(format!("{base}/")).body(encoded)
        };
        let request = request.header("Content-Type", "application/x-www-form-urlencoded");
        Reply::from(request.send().await.expect("request sent")).await
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// An answer of the emulator, checked for the envelope's invariants on the way in.
#[derive(Debug)]
pub struct Reply {
    pub raw: String,
    pub json: Value,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), 200, "every answer is HTTP 200");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/json",
            "Content-Type is exactly application/json"
        );
        let raw = response.text().await.unwrap();
        let json: Value = serde_json::from_str(&raw).expect("the body is JSON");
        let id = json["Response"]["RequestId"].as_str().expect("RequestId present");
        assert!(uuid::Uuid::parse_str(id).is_ok() && id.len() == 36 && id == id.to_lowercase(), "{id}");
        Self { raw, json }
    }

    /// The error code, or `None` on success.
    pub fn code(&self) -> Option<&str> {
        self.json["Response"]["Error"]["Code"].as_str()
    }

    pub fn message(&self) -> &str {
        self.json["Response"]["Error"]["Message"].as_str().unwrap_or_default()
    }

    /// The response fields of a success (panics with the error otherwise).
    pub fn ok(&self) -> &Value {
        assert!(self.code().is_none(), "expected success, got {}", self.raw);
        &self.json["Response"]
    }

    /// The body with its RequestId blanked, for byte comparisons.
    pub fn without_request_id(&self) -> String {
        let id = self.json["Response"]["RequestId"].as_str().unwrap();
        self.raw.replace(id, "")
    }
}

#[track_caller]
pub fn assert_code(reply: &Reply, code: &str) {
    assert_eq!(reply.code(), Some(code), "{}", reply.raw);
}

/// `POST /_mock/<path>` with `body`: the JSON answered, which must be a success.
pub async fn control(server: &Running, path: &str, body: Value) -> Value {
    let response = client().post(format!("{}/_mock/{path}", server.url())).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{path} {body}: {}", response.status());
    response.json().await.unwrap()
}

/// Moves the virtual clock `seconds` forward.
pub async fn advance(server: &Running, seconds: u64) {
    control(server, "clock", serde_json::json!({"advance": seconds})).await;
}

/// One TC3-signed call of `action` with `body`, by the default account.
pub async fn call(server: &Running, action: &str, body: Value) -> Reply {
    Tc3::post(action, body).send(&server.url()).await
}

/// `GET /_mock/<path_and_query>`: the JSON answered, which must be a success.
pub async fn inspect(server: &Running, path_and_query: &str) -> Value {
    let response = client().get(format!("{}/_mock/{path_and_query}", server.url())).send().await.unwrap();
    assert!(response.status().is_success(), "{path_and_query}: {}", response.status());
    response.json().await.unwrap()
}

/// The users in room `room` (a number: numeric room; a string: string room) of app `sdk_app_id`
/// now, as `/_mock/rooms` shows them; none when the room is not in use.
pub async fn room_users(server: &Running, sdk_app_id: u64, room: &Value) -> Vec<Value> {
    let rooms = inspect(server, &format!("rooms?sdk_app_id={sdk_app_id}")).await;
    rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room_id"] == *room)
        .map(|r| r["users"].as_array().unwrap().clone())
        .unwrap_or_default()
}

/// A 16-bit WAV of `seconds_x100` hundredths of a second: a tone, or silence.
pub fn wav(seconds_x100: u64, rate: u32, channels: u16, tone: bool) -> Vec<u8> {
    let spec =
        hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).unwrap();
    let frames = seconds_x100 * u64::from(rate) / 100;
    for n in 0..frames {
        let v = if tone { ((n as f64 * 0.07).sin() * 8000.0) as i16 } else { 0 };
        for _ in 0..channels {
            writer.write_sample(v).unwrap();
        }
    }
    writer.finalize().unwrap();
    out.into_inner()
}
