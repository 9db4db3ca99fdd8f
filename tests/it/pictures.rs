//! Pictures over a real socket: upload (the content decoded as its suffix's format, the 2 MB
//! bound at and past it), ids rising per SdkAppId and never reused, paging, Modify, Delete, the
//! control plane and reset, and pictures as the legacy MCU mix's watermark, background and
//! placeholder (an id the app never uploaded refused).

use crate::common;
use crate::common::{Tc3, assert_code, call, config, control, inspect, start};
use base64::Engine;
use serde_json::{Value, json};
use trtc_mock::{Account, Running};

const APP: u64 = 1_400_000_001;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// A 16×16 baseline JPEG (CPython's imghdr test picture).
const JPEG: &str = "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z";

/// A `width`×`height` grey PNG, with a private ancillary chunk of `padding` bytes.
fn png(width: u32, height: u32, padding: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        if padding > 0 {
            writer.write_chunk(png::chunk::ChunkType(*b"prVt"), &vec![7u8; padding]).unwrap();
        }
        writer.write_image_data(&vec![128u8; (width * height) as usize]).unwrap();
    }
    out
}

fn upload(content: &str, suffix: &str) -> Value {
    json!({"SdkAppId": APP, "Content": content, "Suffix": suffix, "Height": 40, "Width": 60, "XPosition": 10, "YPosition": 20})
}

async fn create(server: &Running, content: &str, suffix: &str) -> u64 {
    let reply = call(server, "CreatePicture", upload(content, suffix)).await;
    reply.ok()["PictureId"].as_u64().unwrap()
}

async fn describe(server: &Running, extra: Value) -> Value {
    let mut body = json!({"SdkAppId": APP});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    call(server, "DescribePicture", body).await.ok().clone()
}

fn ids(described: &Value) -> Vec<u64> {
    described["PictureInfo"].as_array().unwrap().iter().map(|p| p["PictureId"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn pictures_are_uploaded_listed_a_page_at_a_time_modified_and_deleted() {
    let server = start(config()).await;
    let empty = describe(&server, json!({})).await;
    assert_eq!(empty["Total"], 0);
    assert_eq!(empty["PictureInfo"], json!([]));

    let first = create(&server, &B64.encode(png(4, 3, 0)), "png").await;
    let second = create(&server, JPEG, "jpg").await;
    let third = create(&server, JPEG, "JPEG").await;
    assert_eq!((first, second, third), (10_001, 10_002, 10_003), "ids rise by one per app");

    let all = describe(&server, json!({})).await;
    assert_eq!(all["Total"], 3);
    assert_eq!(ids(&all), vec![first, second, third]);
    assert_eq!(
        all["PictureInfo"][0],
        json!({"Height": 40, "Width": 60, "XPosition": 10, "YPosition": 20, "SdkAppId": APP, "PictureId": first})
    );
    // Pages from 1, of PageSize (10 by default); Total counts every picture.
    let page = describe(&server, json!({"PageSize": 2, "PageNo": 2})).await;
    assert_eq!((page["Total"].clone(), ids(&page)), (json!(3), vec![third]));
    assert_eq!(ids(&describe(&server, json!({"PageSize": 2, "PageNo": 1})).await), vec![first, second]);
    assert_eq!(ids(&describe(&server, json!({"PageSize": 2, "PageNo": 3})).await), Vec::<u64>::new());
    assert_eq!(ids(&describe(&server, json!({"PageSize": 1, "PageNo": u64::MAX})).await), Vec::<u64>::new());
    for zero in [json!({"PageNo": 0}), json!({"PageSize": 0})] {
        let mut body = json!({"SdkAppId": APP});
        body.as_object_mut().unwrap().extend(zero.as_object().unwrap().clone());
        assert_code(&call(&server, "DescribePicture", body).await, "InvalidParameter");
    }
    let one = describe(&server, json!({"PictureId": second})).await;
    assert_eq!((one["Total"].clone(), ids(&one)), (json!(1), vec![second]));
    let none = describe(&server, json!({"PictureId": 99})).await;
    assert_eq!((none["Total"].clone(), none["PictureInfo"].clone()), (json!(0), json!([])));

    // Modify changes the members given and keeps the others.
    let modified =
        call(&server, "ModifyPicture", json!({"SdkAppId": APP, "PictureId": second, "Width": 70, "YPosition": 5}))
            .await;
    assert!(modified.ok().as_object().unwrap().keys().all(|k| k == "RequestId"));
    let one = describe(&server, json!({"PictureId": second})).await;
    assert_eq!(
        one["PictureInfo"][0],
        json!({"Height": 40, "Width": 70, "XPosition": 10, "YPosition": 5, "SdkAppId": APP, "PictureId": second})
    );
    let unknown = call(&server, "ModifyPicture", json!({"SdkAppId": APP, "PictureId": 99, "Width": 1})).await;
    assert_code(&unknown, "InvalidParameter");
    assert!(unknown.message().contains("Picture not found"), "{}", unknown.raw);

    // Delete; a deleted id is not found, and not given again.
    call(&server, "DeletePicture", json!({"SdkAppId": APP, "PictureId": first})).await.ok();
    let again = call(&server, "DeletePicture", json!({"SdkAppId": APP, "PictureId": first})).await;
    assert_code(&again, "InvalidParameter.PictureNotFound");
    assert_code(
        &call(&server, "ModifyPicture", json!({"SdkAppId": APP, "PictureId": first, "Width": 1})).await,
        "InvalidParameter",
    );
    assert_eq!(create(&server, JPEG, "jpeg").await, 10_004);
    assert_eq!(ids(&describe(&server, json!({})).await), vec![second, third, 10_004]);
}

#[tokio::test]
async fn content_must_decode_as_the_suffix_says_within_2_mb() {
    let server = start(config()).await;
    let good = B64.encode(png(2, 2, 0));
    let cases: Vec<(String, &str, &str)> = vec![
        (good.clone(), "gif", "InvalidParameter.CheckSuffixFailed"),
        (good.clone(), "", "InvalidParameter.CheckSuffixFailed"),
        // A JPEG said to be a PNG, and the other way round.
        (JPEG.to_owned(), "png", "InvalidParameter.CheckSuffixFailed"),
        (good.clone(), "jpg", "InvalidParameter.CheckSuffixFailed"),
        (String::new(), "png", "InvalidParameter.CheckContentFailed"),
        ("not base64!".to_owned(), "png", "InvalidParameter.CheckContentFailed"),
        (B64.encode(b"GIF89a\x01\x00\x01\x00"), "png", "InvalidParameter.CheckContentFailed"),
        (B64.encode(b"plain text"), "jpg", "InvalidParameter.CheckContentFailed"),
    ];
    for (content, suffix, code) in cases {
        let reply = call(&server, "CreatePicture", upload(&content, suffix)).await;
        assert_code(&reply, code);
        assert!(!reply.message().is_empty());
    }
    // Truncated or corrupted: the signature is right, the picture is not.
    let whole = png(8, 8, 0);
    let truncated = B64.encode(&whole[..whole.len() - 16]);
    assert_code(
        &call(&server, "CreatePicture", upload(&truncated, "png")).await,
        "InvalidParameter.CheckContentFailed",
    );
    let jpeg = B64.decode(JPEG).unwrap();
    let cut = B64.encode(&jpeg[..jpeg.len() / 2]);
    assert_code(&call(&server, "CreatePicture", upload(&cut, "jpg")).await, "InvalidParameter.CheckContentFailed");

    // 2 MB of base64 exactly is taken; one more byte of picture is "too large".
    let max = 2 * 1024 * 1024;
    let base = png(1, 1, 0).len() + 12;
    let at = B64.encode(png(1, 1, max / 4 * 3 - base));
    assert_eq!(at.len(), max);
    let reply = call(&server, "CreatePicture", upload(&at, "png")).await;
    assert!(reply.code().is_none(), "{}", &reply.raw[..200.min(reply.raw.len())]);
    let past = B64.encode(png(1, 1, max / 4 * 3 - base + 1));
    assert!(past.len() > max);
    let reply = call(&server, "CreatePicture", upload(&past, "png")).await;
    assert_code(&reply, "InvalidParameter.CheckContentFailed");
    assert!(reply.message().starts_with("Picture too large"), "{}", reply.message());
    // The picture bytes are not kept: the control plane shows their size.
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}")).await;
    assert_eq!(shown["pictures"][0]["bytes"], max / 4 * 3);
    assert_eq!(shown["pictures"][0]["pixels"], json!({"width": 1, "height": 1}));
}

#[tokio::test]
async fn pictures_are_per_app_shown_on_the_control_plane_and_reset() {
    let server = start(config()).await;
    let mine = create(&server, JPEG, "jpg").await;
    let mut other = upload(JPEG, "jpg");
    other["SdkAppId"] = json!(APP + 1);
    let theirs = call(&server, "CreatePicture", other).await.ok()["PictureId"].as_u64().unwrap();
    assert_eq!((mine, theirs), (10_001, 10_001), "each app counts its own");
    assert_code(
        &call(&server, "DeletePicture", json!({"SdkAppId": APP + 1, "PictureId": 10_002})).await,
        "InvalidParameter.PictureNotFound",
    );
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}")).await;
    let pictures = shown["pictures"].as_array().unwrap();
    assert_eq!(pictures.len(), 1);
    assert_eq!(pictures[0]["picture_id"], mine);
    assert_eq!(pictures[0]["suffix"], "jpg");
    assert_eq!(pictures[0]["pixels"], json!({"width": 16, "height": 16}));

    control(&server, "reset", json!({"sdk_app_id": APP})).await;
    assert_eq!(describe(&server, json!({})).await["Total"], 0);
    assert_eq!(create(&server, JPEG, "jpg").await, 10_001, "ids start again after a reset");
    let other_app = call(&server, "DescribePicture", json!({"SdkAppId": APP + 1})).await;
    assert_eq!(other_app.ok()["Total"], 1, "a reset of one app keeps the others");
}

#[tokio::test]
async fn codes_and_regions_of_the_picture_actions() {
    let mut cfg = config();
    cfg.accounts = vec![Account { sdk_app_ids: Some(vec![APP]), ..Account::new(common::ID, common::KEY) }];
    let server = start(cfg).await;
    let id = create(&server, JPEG, "jpg").await;
    let mut foreign = upload(JPEG, "jpg");
    foreign["SdkAppId"] = json!(APP + 1);
    assert_code(&call(&server, "CreatePicture", foreign).await, "InvalidParameter.SdkAppId");
    for action in ["DescribePicture", "ModifyPicture", "DeletePicture"] {
        let reply = call(&server, action, json!({"SdkAppId": APP + 1, "PictureId": id})).await;
        assert_code(&reply, "InvalidParameter.SdkAppId");
        assert_code(&call(&server, action, json!({"SdkAppId": 0, "PictureId": id})).await, "MissingParameter");
    }
    let mut missing = upload(JPEG, "jpg");
    missing.as_object_mut().unwrap().remove("Suffix");
    assert_code(&call(&server, "CreatePicture", missing).await, "MissingParameter");
    // CN only: ap-guangzhou.
    let mut request = Tc3::post("DescribePicture", json!({"SdkAppId": APP}));
    request.region = Some("ap-singapore".to_owned());
    assert_code(&request.send(&server.url()).await, "UnsupportedRegion");
}

fn mix(extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": 5001, "OutputParams": {"StreamId": "mix_5001"},
        "EncodeParams": {"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2, "VideoWidth": 640,
            "VideoHeight": 360, "VideoBitrate": 800, "VideoFramerate": 15, "VideoGop": 2},
        "LayoutParams": {"Template": 0}
    });
    for (k, v) in extra.as_object().unwrap() {
        match (body.get_mut(k), v) {
            (Some(Value::Object(into)), Value::Object(from)) => into.extend(from.clone()),
            _ => body[k] = v.clone(),
        }
    }
    body
}

#[tokio::test]
async fn mcu_mixing_takes_uploaded_pictures_and_refuses_others() {
    let server = start(config()).await;
    control(&server, "rooms/join", json!({"sdk_app_id": APP, "room_id": 5001, "user_id": "host"})).await;
    let picture = create(&server, JPEG, "jpg").await;
    let mark = |id: u64| json!({"LayoutParams": {"WaterMarkParams": {"WaterMarkId": id, "WaterMarkWidth": 60, "WaterMarkHeight": 40, "LocationX": 10, "LocationY": 20}}});
    let ok = call(&server, "StartMCUMixTranscode", mix(mark(picture))).await;
    assert!(ok.code().is_none(), "{}", ok.raw);
    let refused = call(&server, "StartMCUMixTranscode", mix(mark(picture + 1))).await;
    assert_code(&refused, "InvalidParameter");
    assert!(refused.message().contains("WaterMarkId"), "{}", refused.raw);
    // A watermark URL wins over its id.
    let mut by_url = mark(picture + 1);
    by_url["LayoutParams"]["WaterMarkParams"]["WaterMarkUrl"] = json!("https://img.example/w.png");
    assert!(call(&server, "StartMCUMixTranscode", mix(by_url)).await.code().is_none());
    let background = |id: u64| json!({"EncodeParams": {"BackgroundImageId": id}});
    assert!(call(&server, "StartMCUMixTranscode", mix(background(picture))).await.code().is_none());
    assert_code(&call(&server, "StartMCUMixTranscode", mix(background(7))).await, "InvalidParameter.EncodeParams");
    let place = |id: u64| json!({"LayoutParams": {"Template": 4, "PresetLayoutConfig": [{"UserId": "host", "ImageWidth": 640, "ImageHeight": 360, "PlaceImageId": id}]}});
    assert!(call(&server, "StartMCUMixTranscode", mix(place(picture))).await.code().is_none());
    assert_code(&call(&server, "StartMCUMixTranscode", mix(place(7))).await, "InvalidParameter.PresetLayoutConfig");
    // The string-room twin checks the same; a deleted picture is refused.
    control(&server, "rooms/join", json!({"sdk_app_id": APP, "room_id": "m", "user_id": "host"})).await;
    let mut by_str = mix(mark(picture));
    by_str.as_object_mut().unwrap().remove("RoomId");
    by_str["StrRoomId"] = json!("m");
    assert!(call(&server, "StartMCUMixTranscodeByStrRoomId", by_str.clone()).await.code().is_none());
    call(&server, "DeletePicture", json!({"SdkAppId": APP, "PictureId": picture})).await.ok();
    assert_code(&call(&server, "StartMCUMixTranscodeByStrRoomId", by_str).await, "InvalidParameter");
}
