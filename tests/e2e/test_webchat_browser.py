"""The web chat in a real headless Chromium against the real app (uvicorn, the sample directory):
a search, a choice button, details, Arabic right to left, a 320 px phone, the accessibility basics,
JavaScript off, and an operator's sign-in. Screenshots go to build/screenshots/."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.app import create_app
from tests.e2e.browser import SCREENSHOTS, ThreadServer, chromium
from tests.e2e.support import NOW, copy_database, make_settings
from tests.e2e.test_webchat import register_desk

if TYPE_CHECKING:  # playwright itself is imported by the fixture, which skips without it
    from playwright.sync_api import Browser, Page

BOT_REPLIES = "#log li.bot"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def server(
    browser: Browser, sample_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadServer]:
    url = copy_database(sample_template, tmp_path_factory.mktemp("webchat"))
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs an event loop in this thread
        pool.submit(lambda: asyncio.run(register_desk(url))).result()
    with ThreadServer(create_app(make_settings(url), clock=lambda: NOW)) as running:
        yield running


@pytest.fixture
def page(browser: Browser, server: ThreadServer) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    opened = context.new_page()
    opened.goto(f"{server.base}/chat")
    yield opened
    context.close()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def send(page: Page, message: str) -> str:
    """Types and sends (the Enter key, as a person does); returns the last reply's text."""
    before = page.locator(BOT_REPLIES).count()
    page.get_by_label(page.locator("label[for=text]").inner_text()).fill(message)
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#log li.bot').length > n", arg=before)
    return page.locator(f"{BOT_REPLIES} .text").last.inner_text()


def press(page: Page, choice: str) -> str:
    before = page.locator(BOT_REPLIES).count()
    page.locator(f"button[name=choice][value='{choice}']").last.click()
    page.wait_for_function("n => document.querySelectorAll('#log li.bot').length > n", arg=before)
    return page.locator(f"{BOT_REPLIES} .text").last.inner_text()


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_search_then_a_choice_button_then_details(page: Page) -> None:
    results = send(page, "manger Mulhouse")
    assert "Mulhouse" in results and "1." in results
    shoot(page, "chat-fr-results")
    details = press(page, "1")
    assert len(details) > 40 and details != results
    assert page.locator("#log li.you .text").all_inner_texts() == ["manger Mulhouse", "1"]
    shoot(page, "chat-fr-details")


def test_arabic_is_right_to_left_page_and_replies(page: Page) -> None:
    send(page, "العربية")
    answer = send(page, "أكل مولوز")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    last = page.locator(f"{BOT_REPLIES} .text").last
    assert last.get_attribute("dir") == "rtl" and last.get_attribute("lang") == "ar"
    assert "مولوز" in answer or "Mulhouse" in answer
    assert page.get_by_role("button", name="إرسال").is_visible()
    shoot(page, "chat-ar-results")


def test_a_320_px_phone_scrolls_only_down(browser: Browser, server: ThreadServer) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(f"{server.base}/chat")
        assert no_horizontal_scroll(phone)
        send(phone, "manger Mulhouse")
        press(phone, "1")
        assert no_horizontal_scroll(phone)
        shoot(phone, "chat-320px-fr")
        phone.goto(f"{server.base}/chat?lang=ar")
        send(phone, "أكل مولوز")
        assert no_horizontal_scroll(phone)
        shoot(phone, "chat-320px-ar")
    finally:
        context.close()


def test_labels_landmarks_and_a_live_log(page: Page) -> None:
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.get_by_role("main").count() == 1 and page.get_by_role("banner").count() == 1
    assert page.get_by_role("textbox", name="Votre message").is_visible()
    assert page.get_by_role("button", name="Envoyer").is_visible()
    log = page.get_by_role("log", name="Conversation")
    assert log.get_attribute("aria-live") == "polite"
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), button')]
           .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                        && !e.textContent.trim()).length"""
    )
    assert unlabelled == 0
    # With JavaScript the log is the same element before and after: new replies are added to the live
    # region (and announced), the page is not reloaded.
    page.evaluate("document.getElementById('log').dataset.mark = 'kept'")
    send(page, "manger Mulhouse")
    assert page.evaluate("document.getElementById('log').dataset.mark") == "kept"
    assert page.get_by_role("group", name="Réponses possibles").count() == 1
    assert page.evaluate("document.activeElement.id") == "text"


def test_without_javascript_the_form_posts_and_the_page_comes_back(
    browser: Browser, server: ThreadServer
) -> None:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    plain = context.new_page()
    try:
        plain.goto(f"{server.base}/chat")
        plain.get_by_label("Votre message").fill("manger Mulhouse")
        with plain.expect_navigation():
            plain.get_by_role("button", name="Envoyer").click()
        assert "Mulhouse" in plain.locator(f"{BOT_REPLIES} .text").last.inner_text()
        with plain.expect_navigation():
            plain.locator("button[name=choice][value='2']").click()
        assert plain.locator("#log li.you .text").all_inner_texts() == ["manger Mulhouse", "2"]
        shoot(plain, "chat-fr-no-javascript")
        with plain.expect_navigation():
            plain.get_by_role("button", name="Nouvelle conversation").click()
        assert plain.locator("#log li").count() == 0
    finally:
        context.close()


def test_an_operator_signs_in_at_the_desk(page: Page, server: ThreadServer) -> None:
    page.get_by_role("link", name="Connexion des opérateurs").click()
    page.get_by_label("Identifiant").fill("desk-68")
    page.get_by_label("Mot de passe").fill("correct horse 68")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert "Connecté : Camille (SIAO 68)" in page.locator("header").inner_text()
    assert "Mulhouse" in send(page, "manger Mulhouse")
    shoot(page, "chat-operator")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{server.base}/chat")
    assert "Camille" not in page.locator("header").inner_text()


def test_the_browser_position_answers_where_are_you(browser: Browser, server: ThreadServer) -> None:
    context = browser.new_context(
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": 47.7497, "longitude": 7.3397},
        permissions=["geolocation"],
    )
    outside = context.new_page()
    try:
        outside.goto(f"{server.base}/chat")
        assert "Où êtes-vous" in send(outside, "manger")
        before = outside.locator(BOT_REPLIES).count()
        outside.get_by_role("button", name="Envoyer ma position").click()
        outside.wait_for_function("n => document.querySelectorAll('#log li.bot').length > n", arg=before)
        assert "près de votre position" in outside.locator(f"{BOT_REPLIES} .text").last.inner_text()
        assert outside.locator("#log li.you .text").last.inner_text() == "@47.7497,7.3397"
        shoot(outside, "chat-fr-location")
    finally:
        context.close()


def test_without_javascript_no_location_button_shows(browser: Browser, server: ThreadServer) -> None:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    plain = context.new_page()
    try:
        plain.goto(f"{server.base}/chat")
        plain.get_by_label("Votre message").fill("manger")
        with plain.expect_navigation():
            plain.get_by_role("button", name="Envoyer", exact=True).click()
        assert plain.locator("[data-locate]").count() == 1
        assert not plain.get_by_role("button", name="Envoyer ma position").is_visible()
    finally:
        context.close()
