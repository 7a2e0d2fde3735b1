"""The web chat in a real browser (Debian's Chromium through Playwright) against the real stack.

What a newcomer does: opens the page, writes in Arabic, gets a right-to-left answer with a
service card, presses a button (with the keyboard), reloads and finds the conversation again.
Also: German, the language switcher, a lost connection and a 503, the widget embedded on
another origin, text that looks like HTML, and axe-core (no serious or critical violation).
Screenshots of the German and Arabic chat at desktop and phone width go to tests/screenshots/.
"""
from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunningStack, require

pytestmark = [pytest.mark.browser, pytest.mark.stack]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "tests" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
REPLY_TIMEOUT = 90_000  # ms; the first message wakes up Rasa's pipeline
ARABIC_QUESTION = "أبحث عن دورة لغة ألمانية"
GERMAN_QUESTION = "Ich suche einen Deutschkurs"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One Chromium for the module; skipped (or failed in CI) without chromium or axe-core."""
    require(CHROMIUM.exists(), "chromium is not installed (scripts/ensure-chromium)")
    require(AXE.exists(), "axe-core is not installed (npm ci --no-audit --no-fund)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Chat:
    """A page with the chat, and what a test does with it."""

    def __init__(self, browser, base: str, locale: str, viewport: dict | None = None) -> None:
        self.context = browser.new_context(viewport=viewport or DESKTOP, locale=locale)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text}")

    def open(self, path: str = "/") -> Chat:
        self.page.goto(self.base + path)
        self.page.locator(".mb-input").wait_for()
        return self

    def bot_count(self) -> int:
        return self.page.locator(".mb-log .mb-bot:not(.mb-intro)").count()

    def say(self, text: str) -> None:
        """Type a message and press Enter; wait until the bot has answered it."""
        before = self.bot_count()
        self.page.locator(".mb-input").fill(text)
        self.page.locator(".mb-input").press("Enter")
        self.wait_for_reply(before)

    def wait_for_reply(self, before: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll('.mb-log .mb-bot:not(.mb-intro)').length > n && "
            "document.querySelector('.mb-typing').classList.contains('mb-idle')",
            arg=before, timeout=REPLY_TIMEOUT)

    def screenshot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def axe(self) -> list[dict]:
        """Run axe-core (WCAG 2.0/2.1 A and AA rules); return the serious and critical ones."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's CSP stays as it is.
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("""() => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'best-practice']}})""")
        summary = [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
                    "help": v["help"]} for v in result["violations"]]
        print(f"axe-core {result['testEngine']['version']} on {self.page.url}: "
              f"{len(result['passes'])} rules passed, violations: {json.dumps(summary)}")
        return [v for v in summary if v["impact"] in ("serious", "critical")]

    def no_horizontal_scroll(self) -> bool:
        return self.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


def test_arabic_chat_rtl_card_button_and_history_after_reload(browser, stack: RunningStack):
    chat = Chat(browser, stack.gateway, locale="en-US").open()
    page = chat.page
    chat.say(ARABIC_QUESTION)

    root = page.locator(".mb-root")
    # The browser says English: only the bot's language detection can make this Arabic.
    assert (root.get_attribute("lang"), root.get_attribute("dir")) == ("ar", "rtl"), (
        "the reply is not in Arabic (the conversation language comes from the bot's language "
        "detection, the `language` entity): "
        + page.locator(".mb-log .mb-bot .mb-text").last.inner_text()[:200])
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".mb-user").last.inner_text().strip().endswith(ARABIC_QUESTION)
    bot = page.locator(".mb-log .mb-bot:not(.mb-intro)")
    assert bot.last.get_attribute("dir") == "rtl"
    card = page.locator(".mb-bot[dir=rtl] .mb-card").first
    card.wait_for(timeout=REPLY_TIMEOUT)
    assert card.locator(".mb-card-title").inner_text().strip()
    for link in card.locator("a[target=_blank]").all():
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert re.match(r"https?://", link.get_attribute("href"))
    for tel in page.locator(".mb-card a[href^='tel:']").all():
        assert re.fullmatch(r"tel:\+?\d{3,20}", tel.get_attribute("href"))
    assert card.locator(".mb-details").count() == 1
    assert page.locator(".mb-typing").get_attribute("role") == "status"
    assert page.locator(".mb-log").get_attribute("aria-live") == "polite"
    input_id = page.locator(".mb-input").get_attribute("id")
    assert page.locator(f"label[for='{input_id}']").count() == 1

    chat.screenshot("ar-desktop")
    serious = chat.axe()
    assert serious == [], serious
    page.set_viewport_size(PHONE)
    page.locator(".mb-card").first.scroll_into_view_if_needed()
    chat.screenshot("ar-phone")
    assert chat.no_horizontal_scroll()
    assert chat.axe() == []
    page.set_viewport_size(DESKTOP)

    # A button, pressed with the keyboard: the title is shown as the user's message.
    button = page.locator(".mb-buttons .mb-choice").last
    title = button.inner_text().strip()
    before = chat.bot_count()
    button.focus()
    page.keyboard.press("Enter")
    chat.wait_for_reply(before)
    assert page.locator(".mb-user .mb-text").last.inner_text().strip() == title
    conversation = page.evaluate(
        "Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]")

    page.reload()
    page.locator(".mb-log .mb-card").first.wait_for(timeout=REPLY_TIMEOUT)
    users = [t.strip() for t in page.locator(".mb-user .mb-text").all_inner_texts()]
    assert ARABIC_QUESTION in users and title in users
    assert page.locator(".mb-root").get_attribute("dir") == "rtl"
    assert page.locator(".mb-bot[dir=rtl] .mb-card").count() >= 1
    assert page.evaluate(
        "Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]"
    ) == conversation
    chat.close()


def test_german_chat_screenshots_and_text_stays_text(browser, stack: RunningStack):
    chat = Chat(browser, stack.gateway, locale="de-DE").open()
    page = chat.page
    assert page.locator(".mb-root").get_attribute("lang") == "de"
    assert page.locator(".mb-send").inner_text().strip() == "Senden"
    chat.say(GERMAN_QUESTION)
    page.locator(".mb-card").first.wait_for(timeout=REPLY_TIMEOUT)
    assert page.locator(".mb-root").get_attribute("dir") == "ltr"

    chat.screenshot("de-desktop")
    serious = chat.axe()
    assert serious == [], serious
    page.set_viewport_size(PHONE)
    chat.screenshot("de-phone")
    assert chat.no_horizontal_scroll()
    assert chat.axe() == []

    markup = '<img src=x onerror="window.__pwned=1"><b>fett</b>'
    chat.say(markup)
    assert page.locator(".mb-user .mb-text").last.inner_text() == markup
    assert page.locator(".mb-log img, .mb-log b").count() == 0
    assert page.evaluate("window.__pwned") is None
    chat.close()


def test_language_switcher_sends_an_explicit_choice(browser, stack: RunningStack):
    chat = Chat(browser, stack.gateway, locale="de-DE").open()
    page = chat.page
    options = page.locator(".mb-lang option").all_inner_texts()
    assert len(options) == 12 and "Deutsch" in options and "العربية" in options
    persian = next(name for name in options if name.startswith("فارسی"))
    before = chat.bot_count()
    page.locator(".mb-lang").select_option("fa")
    chat.wait_for_reply(before)
    assert page.locator(".mb-user .mb-text").last.inner_text().strip() == persian
    assert page.locator(".mb-root").get_attribute("lang") == "fa"
    assert page.locator(".mb-root").get_attribute("dir") == "rtl"
    assert page.locator(".mb-log .mb-bot").last.get_attribute("lang") == "fa"
    chat.close()


def test_lost_connection_and_503_keep_the_message(browser, stack: RunningStack):
    chat = Chat(browser, stack.gateway, locale="en-US").open()
    page = chat.page
    texts = page.evaluate(f"fetch('{stack.gateway}/api/i18n/en').then(r => r.json())")["texts"]

    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    page.locator(".mb-input").fill("Hello")
    page.locator(".mb-input").press("Enter")
    status = page.locator(".mb-status")
    status.wait_for(state="visible", timeout=10_000)
    assert status.inner_text().strip().startswith(texts["widget.reconnecting"].split("…")[0])
    assert page.locator(".mb-user.mb-pending").count() == 1

    page.unroute("**/api/chat")
    page.route("**/api/chat", lambda route: route.fulfill(
        status=503, headers={"Retry-After": "30", "Access-Control-Allow-Origin": "*"},
        content_type="application/json", body='{"error": "not available"}'))
    page.wait_for_function("t => document.querySelector('.mb-status-text').textContent === t",
                           arg=texts["widget.unavailable"], timeout=40_000)
    retry = page.locator(".mb-retry")
    assert retry.is_visible() and retry.inner_text().strip() == texts["widget.retry"]

    page.unroute("**/api/chat")
    before = chat.bot_count()
    retry.click()
    chat.wait_for_reply(before)
    assert status.is_hidden()
    assert page.locator(".mb-user.mb-pending").count() == 0
    assert [t.strip() for t in page.locator(".mb-user .mb-text").all_inner_texts()] == ["Hello"]
    chat.close()


@pytest.fixture
def city_page(stack: RunningStack) -> Iterator[str]:
    """A 'city page' on another origin (localhost instead of 127.0.0.1) with one script tag.

    Served by a real loopback server: Chromium refuses loopback requests from a page it
    considers public, which a page faked by Playwright's routing would be.
    """
    html = (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Stadt</title>'
            f'</head><body><main><h1>Willkommen</h1><p>Seite der Stadt.</p></main>'
            f'<script src="{stack.gateway}/widget.js" data-language="ar" '
            f'data-position="bottom-left" data-color="#7a1f5c" data-accent="#005b96"></script>'
            f'</body></html>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_widget_embedded_on_another_origin(browser, stack: RunningStack, city_page: str):
    """One script tag on a city page: launcher, panel, data attributes, CORS, keyboard."""
    chat = Chat(browser, stack.gateway, locale="de-DE", viewport=PHONE)
    page = chat.page
    page.goto(city_page)
    launcher = page.locator(".mb-launcher")
    launcher.wait_for()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.locator(".mb-root").get_attribute("dir") == "rtl"
    assert "mb-bottom-left" in page.locator(".mb-root").get_attribute("class")
    chat.screenshot("embed-ar-phone-closed")
    launcher.focus()
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.classList.contains('mb-input')")
    chat.say(ARABIC_QUESTION)
    assert page.locator(".mb-log .mb-bot").last.get_attribute("dir") == "rtl"
    chat.screenshot("embed-ar-phone")
    assert chat.axe() == []
    page.keyboard.press("Escape")
    assert page.locator(".mb-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('mb-launcher')")
    chat.close()
