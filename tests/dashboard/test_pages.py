"""The HTML dashboard: sign-in with CSRF and lockout, cookies, roles in the navigation,
and stored HTML shown as text on every page that shows free text."""

from __future__ import annotations

import re

import requests

from tests.dashboard.conftest import PASSWORD
from tests.dashboard_seed import HTML_ATTACK


def _login_form(session: requests.Session, url: str) -> str:
    page = session.get(url + "/dashboard/login", timeout=30)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_pages_need_a_signed_in_browser(dashboard):
    response = requests.get(dashboard.url + "/dashboard/heatmap", allow_redirects=False, timeout=30)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/login"


def test_sign_in_sets_a_strict_http_only_cookie(dashboard):
    session = requests.Session()
    token = _login_form(session, dashboard.url)
    response = session.post(
        dashboard.url + "/dashboard/login",
        allow_redirects=False,
        timeout=30,
        data={"csrf_token": token, "username": "admin", "password": PASSWORD},
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers["Set-Cookie"].split(", sedia") if "sedia_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    page = session.get(dashboard.url + "/dashboard", timeout=30)
    assert "Readiness overview" in page.text and "<svg" in page.text
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_sign_in_without_the_form_token_is_refused(dashboard):
    session = requests.Session()
    _login_form(session, dashboard.url)
    response = session.post(
        dashboard.url + "/dashboard/login", timeout=30, data={"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 403 and "form has expired" in response.text
    # A token without its cookie (as another site would send it) is refused too.
    stranger = requests.post(
        dashboard.url + "/dashboard/login",
        timeout=30,
        data={"csrf_token": _login_form(requests.Session(), dashboard.url), "username": "admin", "password": PASSWORD},
    )
    assert stranger.status_code == 403


def test_a_form_posted_from_another_site_is_refused(dashboard):
    session = requests.Session()
    token = _login_form(session, dashboard.url)
    response = session.post(
        dashboard.url + "/dashboard/login",
        timeout=30,
        headers={"Origin": "https://evil.example"},
        data={"csrf_token": token, "username": "admin", "password": PASSWORD},
    )
    assert response.status_code == 403 and "another site" in response.text


def test_sign_out_needs_the_session_token_then_ends_the_session(dashboard):
    session = dashboard.browser_session("admin")
    refused = session.post(dashboard.url + "/dashboard/logout", data={}, timeout=30)
    assert refused.status_code == 403
    assert session.get(dashboard.url + "/dashboard", timeout=30).url.endswith("/dashboard")
    page = session.get(dashboard.url + "/dashboard", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = session.cookies.get("sedia_session")
    out = session.post(dashboard.url + "/dashboard/logout", data={"csrf_token": token}, timeout=30)
    assert out.url.endswith("/dashboard/login")
    replay = requests.get(
        dashboard.url + "/dashboard", cookies={"sedia_session": cookie}, allow_redirects=False, timeout=30
    )
    assert replay.status_code == 302, "the old cookie must not work after signing out"


def test_stored_html_is_shown_as_text(dashboard):
    session = dashboard.browser_session("manager_um")
    conversation = dashboard.get("/api/v1/conversations", "manager_um").json()["conversations"][0]["id"]
    for path in (
        "/dashboard/open-answers?q=script",
        f"/dashboard/conversations/{conversation}?reason=checking+stored+html",
        "/dashboard/not-understood",
    ):
        page = session.get(dashboard.url + path, timeout=30)
        assert page.status_code == 200, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text, path
        assert HTML_ATTACK not in page.text and "<img src=x" not in page.text, path


def test_a_viewer_has_no_conversation_review(dashboard):
    session = dashboard.browser_session("viewer_um")
    overview = session.get(dashboard.url + "/dashboard", timeout=30).text
    assert "Heat map" in overview and "/dashboard/conversations" not in overview
    refused = session.get(dashboard.url + "/dashboard/conversations", timeout=30)
    assert refused.status_code == 403 and "aggregates only" in refused.text


def test_every_page_renders_for_a_manager(dashboard):
    session = dashboard.browser_session("manager_um")
    for path, title in (
        ("/dashboard?group_by=faculty", "fewer than 5 respondents"),
        ("/dashboard/heatmap?by=faculty", "Heat map"),
        ("/dashboard/trend", "Trend by month"),
        ("/dashboard/items", "Lowest-scoring statements"),
        ("/dashboard/conversations?fallback=yes", "2 conversation(s)"),
        ("/dashboard/api", "Authorization: Bearer"),
    ):
        page = session.get(dashboard.url + path, timeout=30)
        assert page.status_code == 200 and title in page.text, path
        if "conversations" not in path and "/api" not in path:
            assert "Figures as published on" in page.text, path
    bad = session.get(dashboard.url + "/dashboard/trend?from=tomorrow", timeout=30)
    assert bad.status_code == 400 and "no date window" in bad.text


def test_five_failed_sign_ins_lock_the_name(dashboard):
    session = requests.Session()
    for _ in range(5):
        token = _login_form(session, dashboard.url)
        failed = session.post(
            dashboard.url + "/dashboard/login",
            timeout=30,
            data={"csrf_token": token, "username": "manager_upm", "password": "not the password"},
        )
        assert failed.status_code in (401, 429)
    token = _login_form(session, dashboard.url)
    locked = session.post(
        dashboard.url + "/dashboard/login",
        timeout=30,
        data={"csrf_token": token, "username": "manager_upm", "password": PASSWORD},
    )
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert "sedia_session" not in session.cookies


def test_a_session_id_planted_before_sign_in_is_never_the_session(dashboard):
    """Session fixation: whatever cookie a browser brings to the sign-in, it leaves with
    a new session the server issued, and the planted value opens nothing."""
    planted = "planted-session-value-0123456789abcdef"
    session = requests.Session()
    session.cookies.set("sedia_session", planted)
    token = _login_form(session, dashboard.url)
    response = session.post(
        dashboard.url + "/dashboard/login",
        allow_redirects=False,
        timeout=30,
        data={"csrf_token": token, "username": "admin", "password": PASSWORD},
    )
    assert response.status_code == 302
    issued = re.search(r"sedia_session=([^;]+)", response.headers["Set-Cookie"]).group(1)
    assert issued != planted
    again = requests.get(
        dashboard.url + "/dashboard", cookies={"sedia_session": planted}, allow_redirects=False, timeout=30
    )
    assert again.status_code == 302 and again.headers["Location"] == "/dashboard/login"


TRAVERSALS = [
    "/widget/../dashboard/app.py",
    "/widget/%2e%2e/dashboard/app.py",
    "/widget/%2e%2e%2fdashboard%2fapp.py",
    "/widget/..%2f..%2f..%2fetc%2fpasswd",
    "/widget/vendor/%2e%2e/%2e%2e/storage/db.py",
    "/dashboard/static/..%2f..%2fstorage%2fdb.py",
    "/dashboard/static/%2e%2e/templates/base.html",
    "/plan/..%2f..%2fetc%2fpasswd",
    "/plan/%2e%2e%2f%2e%2e%2fvar%2fsedia.db",
    "/widget/%00.js",
]


def test_no_path_leads_out_of_the_static_folders(dashboard):
    for path in TRAVERSALS:
        response = requests.get(dashboard.url + path, timeout=30, allow_redirects=False)
        assert response.status_code in (400, 404, 410), (path, response.status_code)
        assert "import " not in response.text and "root:" not in response.text and "SQLite" not in response.text, path


INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE answers; --",
    '" OR ""="',
    "UM' UNION SELECT * FROM dashboard_users --",
    "%' OR 1=1 --",
    "\\'; SELECT pg_sleep(5); --",
]
TEXT_FILTERS = {
    "/api/v1/overview": ["institution"],
    "/api/v1/heatmap": ["institution"],
    "/api/v1/trend": ["institution"],
    "/api/v1/items/lowest": ["institution"],
    "/api/v1/open-answers": ["institution", "q"],
    "/api/v1/conversations": ["channel"],
    "/api/v1/not-understood": [],
    "/api/v1/export": ["institution"],
}


def test_sql_injection_in_any_filter_finds_nothing_and_changes_nothing(dashboard):
    from sqlalchemy import create_engine, text

    engine = create_engine(dashboard.database_url)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM answers")).scalar()
    try:
        for path, names in TEXT_FILTERS.items():
            for name in names:
                for attack in INJECTIONS:
                    for who in ("admin", "manager_um"):
                        response = dashboard.get(path, who, **{name: attack})
                        assert response.status_code in (200, 400, 403), (path, name, attack, response.text[:200])
                        if response.status_code == 200 and path != "/api/v1/export":
                            body = response.json()
                            # Nothing matches an injection: it is compared as the text it is.
                            total = body.get("total")
                            if isinstance(total, dict):
                                assert total.get("suppressed") or total["respondents"] == 0, (path, name, attack)
                            elif isinstance(total, int):
                                assert total == 0, (path, name, attack)
                            assert not body.get("conversations") and not body.get("answers"), (path, name, attack)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM answers")).scalar() == before
    finally:
        engine.dispose()


def test_a_transcript_page_asks_for_a_reason_first_and_admins_read_the_audit_log(dashboard):
    manager = dashboard.browser_session("manager_um")
    conversation = dashboard.get("/api/v1/conversations", "manager_um").json()["conversations"][0]["id"]
    asked = manager.get(dashboard.url + f"/dashboard/conversations/{conversation}", timeout=30)
    assert asked.status_code == 200 and 'name="reason"' in asked.text and "audit log" in asked.text
    assert "Person</span>" not in asked.text
    shown = manager.get(
        dashboard.url + f"/dashboard/conversations/{conversation}", params={"reason": "checking a reported answer"}
    )
    assert shown.status_code == 200 and "Person</span>" in shown.text
    assert manager.get(dashboard.url + "/dashboard/audit", timeout=30).status_code == 403
    admin = dashboard.browser_session("admin")
    log = admin.get(dashboard.url + "/dashboard/audit", timeout=30)
    assert log.status_code == 200 and "checking a reported answer" in log.text and "manager_um" in log.text
