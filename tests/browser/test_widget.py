"""The web widget on the demo page, in Debian's Chromium: a whole interview by clicking and
typing (on a desktop and at 360 px), persistence across reloads and tabs, reconnection,
the keyboard alone, axe-core, and text that must never become HTML."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from bench.widget_size import BUDGET_JS_GZIP
from bot.cli.launcher import Service
from tests.bot_api_standin import wait_until
from tests.browser.conftest import AXE, WidgetChat, shot, web_url
from tests.e2e.interviews import INSTRUMENT, TYPED, answer_all, assert_stored, scale_label

PROFILE = {
    "institution": "Universiti Putra Malaysia",
    "faculty": "Faculty of Educational Studies",
    "role": "programme_coordinator",
    "zone": "central",
}


def start_interview(chat: WidgetChat) -> None:
    chat.open()
    assert "I'm Sedia" in chat.joined()
    chat.press("Start the readiness assessment")
    chat.press("Yes, I agree")
    chat.say("Universiti Putra Malaysia")
    chat.say("Faculty of Educational Studies")
    chat.press("Programme coordinator")
    assert "Your profile: Universiti Putra Malaysia" in chat.joined()


def click_or_type(chat, item, value):
    if INSTRUMENT.items.index(item) % 2:
        chat.press(scale_label(value, "en"))
    else:
        chat.say(TYPED["en"][value])


@pytest.mark.parametrize("width, height", [(1280, 800), (360, 740)], ids=["desktop", "phone-360px"])
def test_a_whole_interview_in_the_widget(browser, sedia_web, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    chat = WidgetChat(page, web_url(sedia_web))
    start_interview(chat)
    panel = page.locator(".sedia-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= width  # fits the screen
    # The Likert scale is one row of five labelled choices.
    row = page.locator(".sedia-scale").last
    choices = row.get_by_role("button").all()
    assert [c.get_attribute("data-title") for c in choices] == [scale_label(v, "en") for v in range(1, 6)]
    tops = {round(c.bounding_box()["y"]) for c in choices}
    assert len(tops) == 1, "the five choices are not on one row"
    shot(page, f"widget-question-{width}")
    sent = answer_all(chat, click_or_type)
    assert chat.summary()["index"] is not None
    chart = page.locator(".sedia-chart").last
    assert chart.get_by_text("Training and development").count() == 1
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(shot(page, f"widget-summary-{width}").with_name(f"widget-chart-{width}.png")))
    shot(page, f"widget-summary-{width}")
    link = page.locator(".sedia-document a").last
    assert link.get_attribute("href").startswith(web_url(sedia_web) + "plan/")
    assert_stored(sedia_web, chat, sent, PROFILE)
    context.close()


def test_the_conversation_survives_a_reload_a_new_tab_and_a_server_restart(widget, sedia_web):
    chat, page = widget, widget.page
    start_interview(chat)
    chat.press(scale_label(4, "en"))
    assert chat.current_item() == INSTRUMENT.items[1]
    transcript = page.locator(".sedia-log").inner_text()

    page.reload()
    page.wait_for_selector(".sedia-panel:not([hidden])")
    assert page.locator(".sedia-log").inner_text() == transcript
    page.get_by_text("Connected").wait_for()
    chat.say("agree")
    assert chat.current_item() == INSTRUMENT.items[2]

    other = page.context.new_page()
    other.goto(web_url(sedia_web))
    other.wait_for_selector(".sedia-panel:not([hidden])")
    assert INSTRUMENT.items[2].text.get("en") in other.locator(".sedia-log").inner_text()
    other.close()

    # The Rasa server restarts: the widget says so, reconnects by itself, and goes on.
    rasa: Service = next(s for s in sedia_web.stack.services if s.name == "Rasa server")
    rasa.stop()
    page.get_by_text("Offline: reconnecting").wait_for(timeout=30_000)
    shot(page, "widget-offline")
    rasa.start(sedia_web.env)
    wait_until(rasa.is_ready, 240, "Rasa to restart")
    page.get_by_text("Connected").wait_for(timeout=60_000)
    chat.say("continue")
    assert chat.current_item() == INSTRUMENT.items[2]
    answers = {r["item"]: r["value"] for r in sedia_web.db.answers(chat.sender, "socketio")}
    assert answers == {INSTRUMENT.items[0].id: 4, INSTRUMENT.items[1].id: 4}


def tab_to(page, key: str, focused: str, most: int, what: str) -> None:
    """Press `key` until the JavaScript condition `focused` holds; fail after `most` presses."""
    for _ in range(most):
        page.keyboard.press(key)
        if page.evaluate(f"() => {focused}"):
            return
    pytest.fail(f"{what} cannot be reached with {key}")


def test_everything_works_from_the_keyboard_alone(widget, sedia_web):
    page = widget.page
    page.goto(web_url(sedia_web))
    page.locator("[data-sedia-chat] .sedia-launcher").wait_for()
    tab_to(page, "Tab", "document.activeElement.classList.contains('sedia-launcher')", 40, "the launcher")
    page.keyboard.press("Enter")
    page.wait_for_selector(".sedia-typing", state="hidden", timeout=60_000)
    assert page.evaluate("() => document.activeElement.labels[0].textContent") == "Message to Sedia"
    # Shift+Tab from the box reaches the greeting's buttons; Space presses one.
    tab_to(
        page,
        "Shift+Tab",
        "document.activeElement.dataset.title === 'Start the readiness assessment'",
        10,
        "the greeting's buttons",
    )
    page.keyboard.press("Space")
    page.wait_for_selector("text=May I store your answers?")
    page.wait_for_selector(".sedia-typing", state="hidden", timeout=60_000)
    # The pressed button is gone: focus is on the message box, not lost; the new choices
    # are just before it.
    assert page.evaluate("() => document.activeElement.classList.contains('sedia-input')")
    tab_to(page, "Shift+Tab", "document.activeElement.dataset.title === 'Yes, I agree'", 10, "the consent buttons")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Which university", timeout=60_000)
    page.wait_for_selector(".sedia-typing", state="hidden", timeout=60_000)
    page.get_by_role("textbox", name="Message to Sedia").focus()
    page.keyboard.type("Universiti Putra Malaysia")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Which faculty", timeout=60_000)
    shot(page, "widget-keyboard")
    page.keyboard.press("Escape")
    assert page.locator(".sedia-panel").is_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('sedia-launcher')")


def test_axe_finds_no_serious_or_critical_violations(widget, sedia_web):
    chat, page = widget, widget.page
    chat.open()
    chat.press("Start the readiness assessment")
    chat.press("Yes, I agree")
    page.add_script_tag(path=str(AXE))
    for state in ("open", "closed"):
        if state == "closed":
            page.keyboard.press("Escape")
        results = page.evaluate("() => axe.run(document.querySelector('[data-sedia-chat]'))")
        serious = [
            (v["id"], v["impact"], [n["html"][:80] for n in v["nodes"]])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], state
    # The parts that assistive technology relies on.
    page.get_by_role("button", name="Chat with Sedia").click()
    assert page.get_by_role("log", name="Conversation with Sedia").count() == 1
    assert page.get_by_role("textbox", name="Message to Sedia").count() == 1


def test_html_in_a_message_is_shown_as_text_and_never_run(widget, sedia_web):
    chat, page = widget, widget.page
    start_interview(chat)
    attack = '<img src=x onerror="window.__sediaXss = 1">'
    chat.say("stop")
    chat.say("change my profile")
    chat.say(f"Universiti {attack}")
    chat.say("Faculty of Educational Studies")
    chat.press("Programme coordinator")
    chat.press("Central")
    # Sedia echoes the name back in the profile it confirms: shown as text, in a bot message.
    echoed = [r.text for r in chat.last if "Your profile:" in r.text]
    assert echoed and "<img" in echoed[0] and "onerror=" in echoed[0]
    log = page.locator(".sedia-log")
    assert attack in log.inner_text()
    assert log.locator("img").count() == 0
    assert page.evaluate("() => window.__sediaXss") is None
    shot(page, "widget-html-as-text")


def test_labels_follow_the_conversation_language(widget, sedia_web):
    chat, page = widget, widget.page
    chat.open()
    chat.press("Bahasa Melayu")
    assert page.get_by_role("textbox", name="Mesej kepada Sedia").count() == 1
    assert page.get_by_role("button", name="Hantar").count() == 1
    page.keyboard.press("Escape")
    assert page.get_by_role("button", name="Sembang dengan Sedia").count() == 1


def origin_check(sedia_web, origin: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{sedia_web.stack.rasa_port}/socket.io/?EIO=4&transport=polling",
        headers={"Origin": origin},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_only_the_configured_origins_may_open_the_socket(sedia_web):
    assert origin_check(sedia_web, f"http://127.0.0.1:{sedia_web.stack.web_port}") == 200
    assert origin_check(sedia_web, "https://evil.example") == 400


def test_the_widget_assets_are_served_and_small(sedia_web):
    base = web_url(sedia_web) + "widget/"
    import gzip

    sizes = {}
    for name in ("sedia-widget.js", "vendor/socket.io.min.js", "sedia-widget.css"):
        with urllib.request.urlopen(base + name, timeout=10) as response:
            assert response.status == 200
            sizes[name] = len(gzip.compress(response.read()))
    assert sizes["sedia-widget.js"] + sizes["vendor/socket.io.min.js"] <= BUDGET_JS_GZIP
    with urllib.request.urlopen(base + "labels.json", timeout=10) as response:
        labels = json.loads(response.read())
    assert labels["ms"]["launcher"] == "Sembang dengan Sedia"
    for bad in ("../app.py", "vendor/../../dashboard/app.py", "package.json"):
        try:
            urllib.request.urlopen(base + bad, timeout=10)
            pytest.fail(f"{bad} was served")
        except urllib.error.HTTPError as error:
            assert error.code == 404


def test_a_malay_page_starts_the_conversation_in_malay(widget, sedia_web):
    chat, page = widget, widget.page
    page.goto(web_url(sedia_web) + "?lang=ms")
    chat._turn(lambda: page.get_by_role("button", name="Sembang dengan Sedia").click())
    assert "Hai, saya Sedia" in chat.joined()
    assert page.get_by_role("textbox", name="Mesej kepada Sedia").count() == 1


def test_clear_chat_starts_a_new_conversation_and_keeps_the_stored_answers(widget, sedia_web):
    chat, page = widget, widget.page
    start_interview(chat)
    chat.press(scale_label(2, "en"))
    old_session = chat.sender
    page.get_by_role("button", name=re.compile("^Clear chat")).click()
    page.wait_for_selector(".sedia-typing", state="hidden", timeout=60_000)
    assert "I'm Sedia" in page.locator(".sedia-log").inner_text()
    assert page.locator(".sedia-from-user").count() == 0  # this browser's copy is gone
    assert chat.sender != old_session
    page.reload()
    page.wait_for_selector(".sedia-panel:not([hidden])")
    assert page.locator(".sedia-from-user").count() == 0
    # Clearing the browser's copy is not erasure: the answer is still stored.
    assert [r["value"] for r in sedia_web.db.answers(old_session, "socketio")] == [2]
