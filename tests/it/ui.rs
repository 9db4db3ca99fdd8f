//! The inspector over a real socket: its page and assets, the token and cookie that guard it,
//! and the JSON and SVG its views read — each checked against the control plane and the API
//! answering for the same world.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, advance, call, client, config, start};
use serde_json::{Value, json};
use trtc_mock::Running;

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

async fn get(server: &Running, path: &str) -> (u16, String, String) {
    let response = client().get(format!("{}/_mock/{path}", server.url())).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

async fn json_of(server: &Running, path: &str) -> Value {
    let (status, kind, body) = get(server, path).await;
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn svg_of(server: &Running, path: &str) -> String {
    let (status, kind, body) = get(server, path).await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"), "{path}: {body}");
    assert!(body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && body.ends_with("</svg>"), "{body}");
    body
}

async fn join(server: &Running, room: Value, user: &str, extra: Value) -> Value {
    let mut body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    common::control(server, "rooms/join", body).await
}

/// The `data-values` of every series of an SVG with `data-peer` (or `data-name`) `key`, parsed.
fn series(svg: &str, attribute: &str) -> Vec<(String, Vec<(u64, f64)>)> {
    let mut out = Vec::new();
    for piece in svg.split(&format!("{attribute}=\"")).skip(1) {
        let name = piece.split('"').next().unwrap().to_owned();
        let values = piece.split("data-values=\"").nth(1).unwrap().split('"').next().unwrap();
        let points = values
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (t, v) = p.split_once(':').unwrap();
                (t.parse().unwrap(), v.parse().unwrap())
            })
            .collect();
        out.push((name, points));
    }
    out
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    let server = start(config()).await;
    let (status, kind, page) = get(&server, "ui").await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(page.contains("<script src=\"/_mock/ui/app.js\">") && page.contains("/_mock/ui/style.css"));
    // Nothing is fetched from elsewhere: every address in the page is under /_mock/ui.
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"), "{page}");
    let (status, kind, script) = get(&server, "ui/app.js").await;
    assert_eq!((status, kind.as_str()), (200, "text/javascript; charset=utf-8"));
    assert!(!script.contains("https://") && script.contains("/_mock/ui/api/pulse"));
    let (status, kind, _) = get(&server, "ui/style.css").await;
    assert_eq!((status, kind.as_str()), (200, "text/css; charset=utf-8"));
    // What is not there answers as the rest of the control plane does.
    let (status, kind, body) = get(&server, "ui/nothing").await;
    assert_eq!((status, kind.as_str()), (404, "application/json"), "{body}");
}

#[tokio::test]
async fn the_token_guards_the_page_and_moves_into_a_cookie() {
    let mut cfg = config();
    cfg.control_token = Some("s3cret tok".into());
    let server = start(cfg).await;
    let no_redirects =
        reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = |path: &str| format!("{}/_mock/{path}", server.url());
    for path in ["ui", "ui/app.js", "ui/api/overview", "ui?token=wrong", "ui/api/pulse?token=s3cret%20tok"] {
        let response = no_redirects.get(url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{path}");
        assert_eq!(response.headers()["content-type"], "application/json");
    }
    let response = no_redirects.get(url("ui?token=s3cret%20tok")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/_mock/ui");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert_eq!(cookie, "trtc_mock_token=s3cret%20tok; Path=/_mock; HttpOnly; SameSite=Strict");
    let pair = cookie.split(';').next().unwrap().to_owned();
    for path in ["ui", "ui/api/pulse", "clock"] {
        let response = no_redirects.get(url(path)).header("cookie", &pair).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    let wrong = no_redirects.get(url("ui")).header("cookie", "trtc_mock_token=nope").send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let bearer = no_redirects.get(url("ui/api/pulse")).bearer_auth("s3cret tok").send().await.unwrap();
    assert_eq!(bearer.status().as_u16(), 200);

    let mut off = config();
    off.control_plane = false;
    let server = start(off).await;
    let (status, _, body) = get(&server, "ui").await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("control plane is disabled"), "{body}");
}

#[tokio::test]
async fn the_overview_and_the_pulse_count_what_the_world_holds() {
    let server = start(config()).await;
    let pulse = json_of(&server, "ui/api/pulse").await;
    assert_eq!(
        pulse,
        json!({"clock": {"now": NOW, "frozen": true}, "next_seq": 1, "journal": 0, "deliveries": 0, "attempts": 0, "faults": 0})
    );
    call(&server, "DescribeRoomInfo", json!({"SdkAppId": 1_400_000_002u64, "StartTime": NOW - 60, "EndTime": NOW}))
        .await
        .ok();
    join(&server, json!(9), "u1", json!({})).await;
    common::control(&server, "faults", json!({"action": "DismissRoom", "error": {"code": "InternalError"}})).await;
    let pulse = json_of(&server, "ui/api/pulse").await;
    assert_eq!(
        (pulse["next_seq"].as_u64(), pulse["journal"].as_u64(), pulse["faults"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    let overview = json_of(&server, "ui/api/overview").await;
    assert_eq!(overview["seed"], 20_190_722);
    assert_eq!(overview["accounts"], json!([{"secret_id": common::ID, "sdk_app_ids": null, "temporary": false}]));
    // The app changed at run time and the one of the request.
    assert_eq!(overview["apps"], json!([APP, 1_400_000_002u64]));
    assert_eq!(overview["activity"][0]["action"], "DescribeRoomInfo");
    assert_eq!(overview["counts"]["faults"], 1);
    assert!(!overview.to_string().contains(common::KEY), "secret keys are never shown");
}

#[tokio::test]
async fn rooms_list_those_in_use_and_the_latest_ones() {
    let server = start(config()).await;
    join(&server, json!("ui-room"), "alice", json!({})).await;
    let rooms = json_of(&server, &format!("ui/api/rooms?sdk_app_id={APP}")).await;
    let listed = json_of(&server, &format!("rooms?sdk_app_id={APP}")).await;
    // The rooms in use are the control plane's own list.
    assert_eq!(rooms["live"], listed["rooms"]);
    assert_eq!(rooms["live_total"], listed["total"]);
    let recent = rooms["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 50);
    assert!(rooms["recent_total"].as_u64().unwrap() > 50);
    // Newest first, the room just made at the top, each as DescribeRoomInfo counts it.
    assert_eq!(recent[0]["room_id"], "ui-room");
    assert!(recent.windows(2).all(|w| w[0]["create_time"].as_u64() >= w[1]["create_time"].as_u64()));
    let room = &recent[3];
    let info = call(
        &server,
        "DescribeRoomInfo",
        json!({"SdkAppId": APP, "StartTime": NOW - 86_400, "EndTime": NOW, "RoomId": room["room_id"]}),
    )
    .await;
    let found =
        info.ok()["RoomList"].as_array().unwrap().iter().find(|r| r["CommId"] == room["comm_id"]).cloned().unwrap();
    assert_eq!(
        (found["CreateTime"].clone(), found["DestroyTime"].clone()),
        (room["create_time"].clone(), room["destroy_time"].clone())
    );
    let (status, _, body) = get(&server, "ui/api/rooms").await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_timeline_draws_every_stay_publishing_period_task_and_removal() {
    let server = start(config()).await;
    join(&server, json!(42), "teacher", json!({"video": true})).await;
    advance(&server, 30).await;
    join(&server, json!(42), "student", json!({"role": "audience"})).await;
    let comm_id = format!("{APP}_42_{NOW}");
    let created = call(
        &server,
        "CreateCloudRecording",
        json!({"SdkAppId": APP, "RoomId": "42", "RoomIdType": 1, "UserId": "rec", "UserSig": "sig",
               "RecordParams": {"RecordMode": 1, "MaxIdleTime": 30},
               "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-1250000000", "AccessKey": "a", "SecretKey": "s"}}}),
    )
    .await;
    let task = created.ok()["TaskId"].as_str().unwrap().to_owned();
    advance(&server, 50).await;
    common::control(
        &server,
        "rooms/role",
        json!({"sdk_app_id": APP, "room_id": 42, "user_id": "student", "role": "anchor", "video": false}),
    )
    .await;
    advance(&server, 10).await;
    common::control(
        &server,
        "rooms/leave",
        json!({"sdk_app_id": APP, "room_id": 42, "user_id": "student", "reason": "kicked"}),
    )
    .await;
    advance(&server, 30).await;
    let svg = svg_of(&server, &format!("ui/api/timeline.svg?sdk_app_id={APP}&comm_id={comm_id}")).await;
    for row in [
        "<g class=\"row user\" data-id=\"teacher\">",
        "<g class=\"row user\" data-id=\"student\">",
        "<g class=\"row user\" data-id=\"rec\">",
    ] {
        assert!(svg.contains(row), "{row}: {svg}");
    }
    assert!(svg.contains(&format!("<g class=\"row task\" data-id=\"{task}\">")), "{svg}");
    // The student's stay and its end by removal.
    assert!(
        svg.contains(&format!("class=\"span audience\" data-from=\"{}\" data-to=\"{}\"", NOW + 30, NOW + 90)),
        "{svg}"
    );
    assert!(svg.contains(&format!("class=\"mark kicked\" data-at=\"{}\"", NOW + 90)), "{svg}");
    // Its switch to anchor (`switchRole`), and the audio it sent from then on.
    assert!(svg.contains(&format!("class=\"mark role\" data-at=\"{}\"", NOW + 80)), "{svg}");
    assert!(svg.contains("audience → anchor"), "{svg}");
    assert!(svg.contains("class=\"lane audio\"><title>audio 00:01:20–00:01:30</title>"), "{svg}");
    assert!(svg.contains("class=\"lane video\"") && svg.contains("class=\"span robot\""));
    // The recording's states as bars: working since it started.
    assert!(svg.contains(&format!("class=\"span working\" data-from=\"{}\"", NOW + 30)), "{svg}");
    let (status, _, body) = get(&server, &format!("ui/api/timeline.svg?sdk_app_id={APP}&comm_id={APP}_43_{NOW}")).await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn a_room_of_a_hundred_users_is_drawn_whole_and_listed_in_brief() {
    let server = start(config()).await;
    for i in 0..100 {
        join(
            &server,
            json!("big"),
            &format!("user{i:03}"),
            json!({"role": if i == 0 { "anchor" } else { "audience" }}),
        )
        .await;
    }
    let rooms = json_of(&server, &format!("ui/api/rooms?sdk_app_id={APP}")).await;
    let big = rooms["live"].as_array().unwrap().iter().find(|r| r["room_id"] == "big").unwrap();
    assert_eq!(big["users"].as_array().unwrap().len(), 100);
    let comm = big["comm_id"].as_str().unwrap();
    assert!(comm.starts_with(&format!("{APP}_")));
    let started = std::time::Instant::now();
    let svg = svg_of(&server, &format!("ui/api/timeline.svg?sdk_app_id={APP}&comm_id={comm}")).await;
    assert_eq!(svg.matches("<g class=\"row user\"").count(), 100);
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    let call_view = json_of(&server, &format!("ui/api/call?sdk_app_id={APP}&comm_id={comm}")).await;
    assert_eq!(call_view["users"].as_array().unwrap().len(), 100);
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_chart_holds_exactly_what_describe_call_detail_info_answers() {
    let server = start(config()).await;
    join(&server, json!(7), "anna", json!({"video": true, "width": 1280, "height": 720})).await;
    join(&server, json!(7), "ben", json!({"video": false})).await;
    advance(&server, 300).await;
    let comm_id = format!("{APP}_7_{NOW}");
    let view = json_of(&server, &format!("ui/api/call?sdk_app_id={APP}&comm_id={comm_id}")).await;
    assert_eq!((view["start"].as_u64(), view["end"].as_u64()), (Some(NOW), Some(NOW + 300)));
    let users: Vec<&str> = view["users"].as_array().unwrap().iter().map(|u| u["user_id"].as_str().unwrap()).collect();
    assert_eq!(users, ["anna", "ben"]);
    assert_eq!(view["metrics"].as_array().unwrap().len(), 17);
    for (user, metric) in [("ben", "bigvBit"), ("anna", "rtt"), ("ben", "aBit"), ("anna", "aBlock")] {
        let svg = svg_of(
            &server,
            &format!(
                "ui/api/chart.svg?sdk_app_id={APP}&comm_id={comm_id}&user_id={user}&metric={metric}&start={NOW}&end={}",
                NOW + 300
            ),
        )
        .await;
        let drawn = series(&svg, "data-peer");
        let answer = call(
            &server,
            "DescribeCallDetailInfo",
            json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW, "EndTime": NOW + 300, "UserIds": [user], "DataType": [metric]}),
        )
        .await;
        let expected: Vec<(String, Vec<(u64, f64)>)> = answer.ok()["Data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let points = d["Content"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p["Time"].as_u64().unwrap(), p["Value"].as_f64().unwrap()))
                    .collect();
                (d["PeerId"].as_str().unwrap().to_owned(), points)
            })
            .collect();
        let lengths: Vec<usize> = expected.iter().map(|(_, p)| p.len()).collect();
        assert!(!expected.is_empty() && lengths.iter().all(|n| *n >= 140), "{user} {metric} {lengths:?}");
        assert_eq!(drawn.len(), expected.len(), "{user} {metric}");
        for ((dp, dv), (ep, ev)) in drawn.iter().zip(&expected) {
            assert_eq!(dp, ep, "{user} {metric}");
            for (a, b) in dv.iter().zip(ev) {
                assert_eq!(a, b, "{user} {metric} {dp}");
            }
            assert_eq!(dv.len(), ev.len());
        }
    }
    // Metric charts cover at most an hour, as the action gives metrics; names are the action's.
    for (query, status) in [
        (format!("user_id=anna&metric=rtt&start={NOW}&end={}", NOW + 3601), 400),
        (format!("user_id=anna&metric=fps&start={NOW}&end={}", NOW + 60), 400),
        (format!("user_id=anna&metric=rtt&start={}&end={NOW}", NOW + 60), 400),
    ] {
        let (got, _, body) =
            get(&server, &format!("ui/api/chart.svg?sdk_app_id={APP}&comm_id={comm_id}&{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
    }
}

#[tokio::test]
async fn the_daily_charts_are_the_dashboard_and_usage_figures() {
    let server = start(config()).await;
    let svg = svg_of(&server, &format!("ui/api/dashboard.svg?sdk_app_id={APP}&chart=scale&days=5")).await;
    let drawn = series(&svg, "data-name");
    let names: Vec<&str> = drawn.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["UserNumber", "UserCount", "RoomNumbers"]);
    let day = 86_400;
    let scale =
        call(&server, "DescribeScaleInfo", json!({"SdkAppId": APP, "StartTime": NOW - 5 * day, "EndTime": NOW + day}))
            .await;
    let mut list = scale.ok()["ScaleList"].as_array().unwrap().clone();
    list.reverse();
    assert_eq!(list.len(), 5);
    for (i, day) in list.iter().enumerate() {
        assert_eq!(drawn[0].1[i], (day["Time"].as_u64().unwrap(), day["UserNumber"].as_f64().unwrap()));
        assert_eq!(drawn[1].1[i].1, day["UserCount"].as_f64().unwrap());
        assert_eq!(drawn[2].1[i].1, day["RoomNumbers"].as_f64().unwrap());
    }
    let svg = svg_of(&server, &format!("ui/api/dashboard.svg?sdk_app_id={APP}&chart=usage&days=3")).await;
    let drawn = series(&svg, "data-name");
    let usage = call(
        &server,
        "DescribeTrtcUsage",
        json!({"SdkAppId": APP, "StartTime": "2025-11-23", "EndTime": "2025-11-25"}),
    )
    .await;
    let keys = usage.ok()["UsageKey"].as_array().unwrap().clone();
    let rows = usage.ok()["UsageList"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 3);
    for (k, key) in keys.iter().enumerate() {
        let (name, points) = &drawn[k];
        assert_eq!(name, key.as_str().unwrap());
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(points[i].1, row["UsageValue"][k].as_f64().unwrap(), "{name} day {i}");
        }
    }
    svg_of(&server, &format!("ui/api/dashboard.svg?sdk_app_id={APP}&chart=quality")).await;
    for query in ["chart=nope", "chart=scale&days=0", "chart=scale&days=32", ""] {
        let (status, _, body) = get(&server, &format!("ui/api/dashboard.svg?sdk_app_id={APP}&{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
}

#[tokio::test]
async fn tasks_show_their_history_and_the_status_describe_answers() {
    let server = start(config()).await;
    join(&server, json!(5), "host", json!({})).await;
    let created = call(
        &server,
        "CreateCloudRecording",
        json!({"SdkAppId": APP, "RoomId": "5", "RoomIdType": 1, "UserId": "rec", "UserSig": "sig",
               "RecordParams": {"RecordMode": 1, "MaxIdleTime": 10},
               "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-1250000000", "AccessKey": "a", "SecretKey": "s"}}}),
    )
    .await;
    let task = created.ok()["TaskId"].as_str().unwrap().to_owned();
    let describe = || call(&server, "DescribeCloudRecording", json!({"SdkAppId": APP, "TaskId": task}));
    let shown = json_of(&server, &format!("ui/api/tasks?sdk_app_id={APP}")).await;
    assert_eq!(shown["total"], 1);
    assert_eq!(shown["tasks"][0]["api_status"], describe().await.ok()["Status"]);
    assert_eq!(shown["tasks"][0]["api_status"], "InProgress");
    advance(&server, 20).await;
    common::control(&server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": 5, "user_id": "host"})).await;
    advance(&server, 11).await;
    let shown = json_of(&server, &format!("ui/api/tasks?sdk_app_id={APP}")).await;
    let t = &shown["tasks"][0];
    assert_eq!(t["api_status"], "Exited");
    assert_eq!(t["api_status"], describe().await.ok()["Status"]);
    assert_eq!(t["ended"], json!({"at": NOW + 30, "reason": "idle_timeout"}));
    let states: Vec<&str> = t["history"].as_array().unwrap().iter().map(|h| h["state"].as_str().unwrap()).collect();
    assert_eq!(states.first(), Some(&"working"));
    assert!(t["files"].as_array().is_some_and(|f| !f.is_empty()));
    // The same task as /_mock/tasks shows it, plus the status.
    let plain = json_of(&server, &format!("tasks?sdk_app_id={APP}")).await;
    let mut with_status = t.clone();
    with_status.as_object_mut().unwrap().remove("api_status");
    assert_eq!(with_status, plain["tasks"][0]);
}

#[tokio::test]
async fn ten_thousand_requests_are_served_a_page_at_a_time() {
    let mut cfg = config();
    cfg.journal_size = 10_000;
    cfg.journal_bytes = 64 * 1024 * 1024;
    let server = start(cfg).await;
    let base = server.url();
    let mut pending = Vec::new();
    for i in 0..10_000u64 {
        let action = if i % 10 == 0 { "DescribeScaleInfo" } else { "DescribeRoomInfo" };
        let request = Tc3::post(action, json!({"SdkAppId": APP + (i % 3), "StartTime": 0, "EndTime": 0}));
        let base = base.clone();
        pending.push(tokio::spawn(async move { request.send_raw(&base).await.unwrap().status() }));
        if pending.len() == 64 {
            for p in pending.drain(..) {
                p.await.unwrap();
            }
        }
    }
    for p in pending {
        p.await.unwrap();
    }
    let pulse = json_of(&server, "ui/api/pulse").await;
    assert_eq!(pulse["journal"], 10_000);
    let started = std::time::Instant::now();
    let (status, _, body) =
        get(&server, &format!("requests?action=DescribeScaleInfo&sdk_app_id={APP}&limit=200")).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["entries"].as_array().unwrap().len(), 200);
    assert!(body.len() < 400_000, "{} bytes", body.len());
    let overview = json_of(&server, "ui/api/overview").await;
    assert_eq!(overview["activity"].as_array().unwrap().len(), 15);
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}
