"""The inspector (/_mock/ui) in a real headless chromium, beside the official Python SDK.

Users are joined, left and the clock moved by clicking the page; what the page shows is checked
against what the SDK answers for the same world: a user joined on the page is in
DescribeUserInfo, a recording started through the SDK goes Exited in the tasks view when the
clock is advanced from the page, a refused signature shows the server's canonical request, and
a quality chart carries exactly DescribeCallDetailInfo's values. The browser console must stay
free of errors throughout.

Needs chromium and chromedriver (Debian: `apt-get install chromium chromium-driver`). Without
them the tests are skipped, unless TRTC_MOCK_REQUIRE_BROWSER=1 (CI sets it), where they fail.
Screenshots go to $TRTC_MOCK_SCREENSHOTS when it is set (the README's come from there).
"""

import json
import os
import urllib.parse
import urllib.request

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

import webdriver
from receiver import Receiver

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
TOKEN = "inspector-token"
T0 = 1764000000  # 2025-11-25 00:00 UTC+8
APP = 1400000001  # an app with generated history, so the dashboards have something to draw
ROOM = 501
STORAGE = {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "class-1250000000",
                            "AccessKey": "ak", "SecretKey": "sk", "FileNamePrefix": ["class"]}}
SHOTS = os.environ.get("TRTC_MOCK_SCREENSHOTS")


def sdk(server, key=SECRET_KEY):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential(SECRET_ID, key), "ap-guangzhou", ClientProfile(httpProfile=http))


def call(client, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return json.loads(getattr(client, action)(request).to_json_string())


class Page:
    def __init__(self, server, browser):
        self.server = server
        self.browser = browser
        self.base = f"http://{server.address}/_mock/ui"

    def control(self, path, body=None, method="POST"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://{self.server.address}/_mock/{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def go(self, view):
        """Shows a view and waits until it has been drawn."""
        before = self.browser.js("return document.body.dataset.rendered || ''")
        self.browser.js("location.hash = arguments[0]", f"#{view}")
        self.browser.wait("return document.body.dataset.view === arguments[0] && document.body.dataset.rendered !== arguments[1]",
                          view, before, what=f"the {view} view")

    def shot(self, name):
        if SHOTS:
            size = self.browser.screenshot(os.path.join(SHOTS, f"{name}.png"))
            assert size < 200_000, f"{name}.png is {size} bytes"


@pytest.fixture(scope="module")
def page(start_server, tmp_path_factory):
    browser_path, driver_path = webdriver.find()
    if not (browser_path and driver_path):
        message = "chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("TRTC_MOCK_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = start_server("--now", str(T0), "--freeze", "--rate-limit", "off", "--control-token", TOKEN)
    log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    browser = webdriver.Browser(browser_path, driver_path, log_path=str(log))
    page = Page(server, browser)
    try:
        # The token goes in the address once; the page then holds it in a cookie.
        browser.open(f"{page.base}?token={TOKEN}")
        browser.wait("return document.body.dataset.view === 'overview'", what="the overview")
        assert browser.js("return location.pathname + location.search") == "/_mock/ui"
        yield page
    finally:
        browser.quit()


def errors(page):
    return [e for e in page.browser.console() if e.get("level") == "SEVERE"]


def test_the_page_refuses_no_token_and_shows_the_overview(page):
    b = page.browser
    # Without the token (no header, no cookie), the control plane answers 401.
    request = urllib.request.Request(f"{page.base}/api/overview")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    b.js("document.getElementById('app').value = arguments[0]", str(APP))
    assert b.js("return document.getElementById('seed').textContent") == "20190722"
    assert b.js("return document.getElementById('clock-now').dataset.now") == str(T0)


def test_faults_are_added_and_removed_on_the_page_and_callbacks_listed(page):
    b = page.browser
    page.go("faults")
    b.js("""const f = document.getElementById('fault-form').elements;
            f.action.value = 'DismissRoom'; f.code.value = 'InternalError'; f.count.value = '2';
            document.querySelector('#fault-form button[type=submit]').click();""")
    b.wait("return document.querySelectorAll('#faults tbody tr').length === 1", what="the fault listed")
    (fault,) = page.control("faults", method="GET")["faults"]
    assert (fault["action"], fault["error"]["code"], fault["remaining"]) == ("DismissRoom", "InternalError", 2)
    b.js("document.querySelector('#faults tbody tr button.remove').click()")
    b.wait("return document.querySelectorAll('#faults tbody tr').length === 0", what="the fault removed")
    assert page.control("faults", method="GET")["faults"] == []
    page.go("callbacks")
    assert b.js("return document.querySelectorAll('#callbacks tbody tr').length") == 0
    assert errors(page) == []


def test_a_user_joined_on_the_page_is_in_the_timeline_and_in_describe_user_info(page):
    b = page.browser
    page.go("rooms")
    for user, role in (("teacher", "anchor"), ("alice", "audience")):
        b.js("""document.getElementById('join-room').value = arguments[0];
                document.getElementById('join-user').value = arguments[1];
                document.getElementById('join-role').value = arguments[2];
                document.getElementById('join-submit').click();""", str(ROOM), user, role)
        b.wait("return document.querySelector(`#timeline g.row.user[data-id='${arguments[0]}']`)", user,
               what=f"{user} in the timeline")
    comm_id = b.js("return [...document.querySelectorAll('#live-rooms tr[data-comm]')]"
                   ".find(r => r.cells[0].textContent === arguments[0]).dataset.comm", str(ROOM))
    assert comm_id == f"{APP}_{ROOM}_{T0}"
    bar = b.js("const r = document.querySelector(\"#timeline g.row.user[data-id='alice'] rect.span\");"
               "return [r.classList.contains('audience'), r.dataset.from]")
    assert bar == [True, str(T0)]
    users = call(sdk(page.server), "DescribeUserInfo",
                 {"SdkAppId": APP, "CommId": comm_id, "StartTime": T0 - 60, "EndTime": T0 + 60})
    assert sorted(u["UserId"] for u in users["UserList"]) == ["alice", "teacher"]
    assert errors(page) == []


def test_advancing_the_clock_on_the_page_moves_a_recording_to_exited(page):
    b = page.browser
    client = sdk(page.server)
    task = call(client, "CreateCloudRecording", {
        "SdkAppId": APP, "RoomId": str(ROOM), "RoomIdType": 1, "UserId": "recorder", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1, "MaxIdleTime": 30}, "StorageParams": STORAGE,
    })["TaskId"]
    page.go("tasks")
    row = f"#tasks tr[data-task='{task}']"
    assert b.js(f"return document.querySelector(\"{row} td.api-status\").textContent") == "InProgress"
    assert call(client, "DescribeCloudRecording", {"SdkAppId": APP, "TaskId": task})["Status"] == "InProgress"
    # Two minutes of class, then the teacher leaves on the Rooms page; the recording has no anchor left.
    page.control("clock", {"advance": 120})
    page.go("rooms")
    b.js("document.querySelector(\"#live-rooms div.user[data-user='teacher'] button.leave\").click()")
    b.wait("return !document.querySelector(\"#live-rooms div.user[data-user='teacher']\")", what="the teacher gone")
    # The clock is advanced from the overview: past MaxIdleTime.
    page.go("overview")
    b.js("document.getElementById('advance-secs').value = '60'; document.getElementById('advance-btn').click();")
    b.wait("return document.getElementById('clock-now') && document.getElementById('clock-now').dataset.now === arguments[0]",
           str(T0 + 180), what="the clock advanced")
    page.go("tasks")
    b.wait(f"return document.querySelector(\"{row} td.api-status\").textContent === 'Exited'", what="Exited")
    history = b.js(f"return document.querySelector(\"{row} td.history\").textContent")
    assert "working" in history and "idle_timeout" in history, history
    shown = page.control("tasks?" + urllib.parse.urlencode({"sdk_app_id": APP, "task_id": task}), method="GET")
    assert shown["tasks"][0]["state"] in ("exiting", "gone")
    b.js("document.querySelector(`${arguments[0]} details`).open = true", row)
    page.shot("tasks")
    # The room's timeline: the teacher's stay and publishing, alice, the recorder and its task.
    page.go("rooms")
    b.wait("return document.querySelector(\"#timeline g.row.task\") !== null", what="the task in the timeline")
    b.js("document.getElementById('timeline').scrollIntoView()")
    page.shot("timeline")
    assert errors(page) == []


def test_a_refused_signature_shows_the_canonical_request(page):
    b = page.browser
    with pytest.raises(TencentCloudSDKException) as refused:
        call(sdk(page.server, key="a-wrong-key"), "DescribeRoomInfo",
             {"SdkAppId": APP, "StartTime": T0 - 3600, "EndTime": T0})
    assert refused.value.code == "AuthFailure.SignatureFailure"
    page.go("requests")
    b.js("document.getElementById('f-code').value = 'AuthFailure.SignatureFailure'; document.getElementById('f-apply').click();")
    b.wait("return document.querySelectorAll('#requests tbody tr').length === 1 && "
           "document.querySelector('#requests tbody tr').dataset.code === 'AuthFailure.SignatureFailure'",
           what="the filtered journal")
    b.js("document.querySelector('#requests tbody tr').click()")
    canonical = b.wait("const e = document.getElementById('canonical-request'); return e && e.textContent",
                       what="the canonical request")
    lines = canonical.split("\n")
    assert lines[:3] == ["POST", "/", ""], lines
    # The SDK signs these two headers.
    assert lines[3:7] == ["content-type:application/json", f"host:{page.server.address}", "", "content-type;host"], lines
    to_sign = b.js("return document.getElementById('string-to-sign').textContent").split("\n")
    assert to_sign[0] == "TC3-HMAC-SHA256" and to_sign[2].endswith("/trtc/tc3_request"), to_sign
    # The journal endpoint the page read says the same.
    (entry,) = page.control("requests?code=AuthFailure.SignatureFailure", method="GET")["entries"]
    assert entry["signature"]["canonical_request"] == canonical
    page.shot("requests")
    assert errors(page) == []


def test_a_quality_chart_holds_the_values_describe_call_detail_info_returns(page):
    b = page.browser
    comm_id = f"{APP}_{ROOM}_{T0}"
    page.go("rooms")
    b.js("[...document.querySelectorAll('#live-rooms tr[data-comm]')].find(r => r.dataset.comm === arguments[0])"
         ".querySelector('button.show-quality').click()", comm_id)
    b.wait("return document.body.dataset.view === 'call' && document.querySelector(\"#charts svg.chart[data-metric='bigvBit']\")",
           what="the charts")
    b.js("const s = document.getElementById('call-user'); s.value = 'alice'; s.dispatchEvent(new Event('change'));")
    b.wait("return document.querySelector(\"#charts svg.chart[data-metric='aBit'][data-user='alice']\") && "
           "document.querySelector(\"#charts svg.chart[data-metric='bigvBit'][data-user='alice']\")", what="alice's charts")
    window = b.js("const w = document.getElementById('call-window').dataset; return [Number(w.start), Number(w.end)]")
    for metric in ("aBit", "bigvBit"):
        drawn = b.js("return [...document.querySelectorAll(`#charts svg.chart[data-metric='${arguments[0]}'] polyline.series`)]"
                     ".map(p => [p.dataset.peer, p.dataset.values])", metric)
        answer = call(sdk(page.server), "DescribeCallDetailInfo", {
            "SdkAppId": APP, "CommId": comm_id, "StartTime": window[0], "EndTime": window[1],
            "UserIds": ["alice"], "DataType": [metric],
        })
        expected = [[d["PeerId"], ",".join(f"{p['Time']}:{p['Value']}" for p in d["Content"])] for d in answer["Data"]]
        parsed = lambda series: [[peer, [(int(t), float(v)) for t, v in (x.split(":") for x in values.split(",") if x)]]
                                 for peer, values in series]
        assert parsed(drawn) == parsed(expected), metric
        # alice is audience: her upstream is silent, what she got from the teacher is not.
        assert [peer for peer, _ in drawn] == ["", "teacher"]
        assert any(v > 0 for _, v in parsed(drawn)[1][1])
    b.js("document.getElementById('charts').parentElement.scrollIntoView()")
    page.shot("call-quality")
    b.js("document.getElementById('dashboard').scrollIntoView()")
    page.shot("dashboard")
    assert errors(page) == []


def test_callbacks_are_listed_with_their_body_and_replayed_from_the_page(page):
    b = page.browser
    receiver = Receiver()
    try:
        page.control(f"apps/{APP}/callbacks", {"key": "CbKey1", "urls": {"room": receiver.url}}, method="PUT")
        page.go("rooms")
        b.js("""document.getElementById('join-room').value = 'cb-room';
                document.getElementById('join-user').value = 'carol';
                document.getElementById('join-submit').click();""")
        b.wait("return document.querySelector(\"#timeline g.row.user[data-id='carol']\") !== null", what="carol")
        page.go("callbacks")
        b.js("document.getElementById('deliver-btn').click()")
        b.wait("return [...document.querySelectorAll('#callbacks tbody tr')].some(r => r.dataset.status === 'delivered')",
               what="a delivered callback")
        (delivery,) = [d for d in page.control("callbacks", method="GET")["deliveries"] if d["event_type"] == 103]
        row = f"#callbacks tr[data-delivery='{delivery['id']}']"
        assert b.js(f"return document.querySelector(\"{row} pre\").textContent") == delivery["body"]
        assert json.loads(delivery["body"])["EventInfo"]["UserId"] == "carol"
        b.js(f"document.querySelector(\"{row} button.replay\").click()")
        b.wait(f"return document.querySelector(\"{row} td.attempts\").textContent.includes('replay')", what="the replay")
        bodies = [got["body"].decode() for got in receiver.got]
        assert bodies.count(delivery["body"]) == 2, "sent, then replayed byte for byte"
        assert errors(page) == []
    finally:
        receiver.httpd.shutdown()
