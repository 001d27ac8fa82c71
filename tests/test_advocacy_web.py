"""Advocates and gestures over real HTTP on loopback: the API with tokens per role, and the pages with their forms."""

from __future__ import annotations

from pathlib import Path

import httpx

from goodwill.config import Settings
from goodwill.service import team
from goodwill.store import Store
from goodwill.web.app import create_app
from tests.test_advocacy import AFTER, MESSAGES, load, person_of
from tests.web_helpers import PASSWORD, csrf_of, serving

HOSTILE = ("h1", "kit_b", "Halcyon <script>window.__pwned = 1</script> lights rock", "2026-11-09T12:00:00Z", None,
           "praise", "positive")


def test_api_and_pages(settings: Settings, store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [*MESSAGES, *AFTER, HOSTILE])
    admin = team.cli_actor()
    tokens = {}
    for role in ("manager", "agent"):
        team.add_user(store, admin, f"{role}1", PASSWORD, role)
        tokens[role] = {"Authorization": "Bearer " + team.create_token(store, team.user_actor(store, f"{role}1"), "t")[0]}
    mara, kit = person_of(store, "mara_rides"), person_of(store, "kit_b")
    period = {"from": "2026-11-01", "to": "2026-12-01"}
    with serving(create_app(settings)) as base, httpx.Client(base_url=base) as api:
        r = api.get("/api/v1/advocates", params=period, headers=tokens["agent"])
        assert r.status_code == 200 and [a["person_id"] for a in r.json()["items"]] == [mara, kit]
        assert all(e["thread_id"] for a in r.json()["items"] for e in a["evidence"])
        r = api.get("/api/v1/advocates", params={"since": "2026-11-01"}, headers=tokens["agent"])
        assert r.status_code == 422 and "since" in r.json()["message"]
        r = api.get("/api/v1/advocates", params={"from": "yesterday-ish"}, headers=tokens["agent"])
        assert r.status_code == 422 and r.json()["message"].startswith("from:")
        gift = {"person_id": mara, "kind": "gift", "reason": "helps riders", "cost": "40", "currency": "EUR"}
        r = api.post("/api/v1/gestures", json=gift, headers=tokens["agent"])
        assert r.status_code == 409 and "no budget" in r.json()["message"]
        from datetime import UTC, datetime

        budget = {"amount": "100", "agent_limit": "25", "currency": "EUR", "period": datetime.now(UTC).strftime("%Y-%m")}
        assert api.put("/api/v1/budget", json=budget, headers=tokens["agent"]).status_code == 403
        assert api.put("/api/v1/budget", json=budget, headers=tokens["manager"]).json()["amount_cents"] == 10000
        r = api.post("/api/v1/gestures", json=gift, headers=tokens["agent"])
        assert r.status_code == 201 and r.json()["status"] == "pending"
        pending = r.json()["id"]
        assert api.post(f"/api/v1/gestures/{pending}/approve", json={}, headers=tokens["agent"]).status_code == 403
        r = api.post(f"/api/v1/gestures/{pending}/approve", json={"note": "ok"}, headers=tokens["manager"])
        assert r.json()["status"] == "approved" and r.json()["decided_by"] == "manager1"
        r = api.get("/api/v1/gestures", params={"person": mara}, headers=tokens["agent"])
        assert [g["id"] for g in r.json()["items"]] == [pending] and r.json()["items"][0]["outcome"] is not None
        r = api.get("/api/v1/gestures/suggestions", params=period, headers=tokens["agent"])
        assert [s["person_id"] for s in r.json()["items"]] == [kit]  # Mara was just given one
        assert api.get("/api/v1/budget", headers=tokens["agent"]).json()["remaining_cents"] == 6000

        # The pages, signed in as the manager.
        page = httpx.Client(base_url=base)
        token = csrf_of(page.get("/login").text)
        page.post("/login", data={"username": "manager1", "password": PASSWORD, "csrf_token": token, "next": "/"})
        html = page.get("/advocates").text
        assert "recommended the brand to @ava_n without tagging it" in html
        # The page reads its period from the form: a September with no messages has no advocates.
        september = page.get("/advocates", params={"from": "2026-09-01", "to": "2026-09-30"}).text
        assert '<strong id="advocate-count">0</strong>' in september and 'value="2026-09-30"' in september
        assert "from 2026-09-01 to 2026-09-30:" in september
        assert '<strong id="advocate-count">0</strong>' not in html
        r = page.get("/advocates", params={"from": "2026-13-01"})
        assert r.status_code == 422 and "from" in r.text
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html and "<script>window" not in html
        assert 'href="/threads/' in html and "EUR 40.00 of EUR 100.00 spent" in html
        r = page.post(f"/people/{kit}/gestures", data={"kind": "offer", "reason": "lights review", "cost": "30",
                                                      "csrf_token": csrf_of(html)}, follow_redirects=False)
        assert r.status_code == 303
        # Logged by a manager, within the budget: approved at once; shown on the person page with what followed.
        person_html = page.get(f"/people/{kit}").text
        assert "lights review" in person_html and "approved" in person_html and "Since:" in person_html
        r = page.post(f"/people/{kit}/gestures", data={"kind": "gift", "reason": "x", "cost": "31"},
                      follow_redirects=False)
        assert r.status_code == 403
        page.close()
