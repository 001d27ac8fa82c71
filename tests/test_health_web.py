"""The health dashboard and /api/v1/report over real HTTP on loopback (SQLite and PostgreSQL), on the hand-worked workspace of test_health."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import httpx

from goodwill.config import Settings
from goodwill.service import team
from goodwill.store import Store
from goodwill.web.app import create_app
from tests.test_health import TEXTS, _ids, _load
from tests.web_helpers import PASSWORD, csrf_of, serving

PERIOD = "from=2026-10-01&to=2026-10-30"


def test_dashboard_and_api(store: Store, settings: Settings, tmp_path: Path) -> None:
    _load(store, tmp_path)
    admin = team.cli_actor()
    team.add_user(store, admin, "agent1", PASSWORD, "agent")
    token = team.create_token(store, team.user_actor(store, "agent1"), "health tests")[0]
    with serving(create_app(settings)) as base, httpx.Client(base_url=base) as client:
        # The API: the same figures as the report, and the messages behind one.
        bearer = {"Authorization": f"Bearer {token}"}
        data = client.get(f"/api/v1/report?{PERIOD}", headers=bearer).json()
        assert (data["response_rate"], data["first_response_minutes_p90"], data["sentiment_uplift"]) == (0.8, 456.0, 0.6)
        found = client.get(f"/api/v1/report/messages?figure=unanswered&{PERIOD}", headers=bearer).json()
        assert [m["text"] for m in found["items"]] == [TEXTS["c2"]]
        assert client.get(f"/api/v1/report?{PERIOD}&channel=twitter", headers=bearer).status_code == 422
        assert client.get(f"/api/v1/report/messages?figure=reach&{PERIOD}", headers=bearer).status_code == 422
        turned = client.get(f"/api/v1/report/messages?figure=detractors_turned_around&{PERIOD}", headers=bearer)
        assert turned.status_code == 200 and turned.json()["kind"] == "people"
        assert client.get(f"/api/v1/report?{PERIOD}").status_code == 401
        # The page: signed in, the figures with their links, the charts as images the page's policy allows.
        assert client.get(f"/dashboard?{PERIOD}").status_code in (303, 307) or "login" in str(client.get("/dashboard").url)
        token_field = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "agent1", "password": PASSWORD, "csrf_token": token_field, "next": "/"})
        page = client.get(f"/dashboard?{PERIOD}")
        assert page.status_code == 200 and "style-src 'self'" in page.headers["content-security-policy"]
        html = page.text
        assert html.count('src="data:image/svg+xml;base64,') == 4
        link = re.search(r'<tr id="figure-response_rate">.*?<a href="([^"]+)">80%</a>', html, re.S)
        assert link is not None
        # One click from the figure: the asks it counted, the hostile one escaped.
        asks = client.get(unescape(link.group(1))).text
        assert "5 messages" in asks and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in asks and "<script>window" not in asks
        assert '/threads/' in asks and "not yet" in asks and "after 600 min, resolved in public" in asks
        advocates = re.search(r'<tr id="figure-advocates_gained">.*?<a href="([^"]+)">1</a>', html, re.S)
        assert advocates is not None
        # Who the advocates are, one click from their person page.
        given = html.split('id="advocates-given"', 1)[1].split("By channel", 1)[0]
        assert re.search(r'<a href="/people/\d+">gil</a></td><td>praised it twice', given)
        assert "&lt;b&gt;love it&lt;/b&gt;" in given and "No gesture was logged in the period." in given
        acts = client.get(unescape(advocates.group(1))).text
        assert ">gil<" in acts and "praised it twice" in acts
        assert "&lt;b&gt;love it&lt;/b&gt;" in acts and "<b>love it" not in acts
        # Every figure's link opens its list, the longest names included.
        shown = {unescape(h) for h in re.findall(r'href="(/dashboard/messages\?[^"]+)"', html)}
        assert any("detractors_turned_around" in h for h in shown)
        assert {h: client.get(h).status_code for h in shown} == dict.fromkeys(shown, 200)
        # The downloadable report is the self-contained HTML file.
        report = client.get(f"/dashboard/report.html?{PERIOD}")
        assert report.headers["content-disposition"] == 'attachment; filename="health-2026-10-01-2026-10-30.html"'
        assert report.text.count("<svg") == 4
        assert client.get("/dashboard?from=2026-10-40").status_code == 422
    assert _ids(store, "c2")
