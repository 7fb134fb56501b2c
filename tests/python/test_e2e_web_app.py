"""The web app of `dailydrug serve` in Debian's headless Chromium, driven by Playwright (never a
downloaded browser): add and edit a medicine, mark a dose taken, scan a prescription and save it,
stream a coaching message from the real default bundle and cancel it. Screenshots go to
$DD_TEST_OUTPUT/e2e/*.png. ctest: e2e.web_app (label e2e)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from harness import REAL_BUNDLE, TEST_OUTPUT, Server  # noqa: E402

from playwright.sync_api import expect, sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("DD_CHROMIUM", "/usr/bin/chromium")
SHOTS = TEST_OUTPUT / "e2e"
SCAN_TEXT = "처방전\n타이레놀정500mg 1정 1일 3회 5일분 식후 30분\n가스모틴정 1정 1일 2회 3일분\n"


@pytest.fixture(scope="module")
def server():
    assert Path(REAL_BUNDLE, "model_config.json").is_file(), \
        f"the default bundle is missing at {REAL_BUNDLE}: run ./scripts/setup.sh"
    # A small pause per token keeps the stream slow enough for a person-like Cancel on any machine.
    s = Server("--token-delay-ms", "40", model=REAL_BUNDLE, now="2026-11-24T07:30")
    s.wait_model(timeout=300)
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="module")
def page(server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        pg = browser.new_page(viewport={"width": 1000, "height": 900}, locale="ko-KR")
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(server.base + "/")
        yield pg
        browser.close()
        assert not errors, f"JavaScript errors: {errors}"


def shot(page, name: str):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_1_today_starts_empty(page):
    expect(page.locator("#today-summary")).to_contain_text("오늘 복용할 약이 없습니다")
    expect(page.locator("#today-title")).to_contain_text("2026-11-24")
    shot(page, "01-today-empty")


def test_2_add_and_edit_a_medicine(page, server):
    page.click("#tab-medicines")
    page.fill("#med-name", "타이레놀")
    page.fill("#med-dosage", "1정")
    page.fill("#med-times", "08:00, 20:00")
    page.fill("#med-memo", "식후 30분")
    page.click("#med-submit")
    item = page.locator("#med-list li", has_text="타이레놀")
    expect(item).to_contain_text("08:00, 20:00")
    expect(item).to_contain_text("1정")
    # Edit: 1정 -> 2정.
    item.locator("button.edit").click()
    expect(page.locator("#med-submit")).to_have_text("수정 저장")
    page.fill("#med-dosage", "2정")
    page.click("#med-submit")
    expect(page.locator("#med-list li", has_text="타이레놀")).to_contain_text("2정")
    shot(page, "02-medicines")
    status, _, meds = server.get("/api/medicines")
    assert [(m["name"], m["dosage"]) for m in meds["medicines"]] == [("타이레놀", "2정")]


def test_3_mark_a_dose_taken(page, server):
    page.click("#tab-today")
    morning = page.locator('.group[data-period="MORNING"]')
    expect(morning).to_contain_text("아침")
    dose = morning.locator(".dose").first
    expect(dose).to_contain_text("타이레놀")
    dose.locator("button.take").click()
    expect(morning.locator(".dose.taken")).to_have_count(1)
    expect(morning.locator(".dose.taken .status")).to_have_text("복용 완료")
    expect(page.locator('.group[data-period="DINNER"]')).to_contain_text("저녁")
    shot(page, "03-today-taken")
    _, _, today = server.get("/api/today")
    assert today["taken"] == 1 and today["pending"] == 1


def test_4_scan_a_prescription_and_save(page, server):
    page.click("#tab-scan")
    page.fill("#scan-text", SCAN_TEXT)
    page.click("#scan-preview")
    table = page.locator("#scan-table")
    expect(table).to_contain_text("타이레놀")
    expect(table).to_contain_text("가스모틴")
    expect(page.locator("#scan-save")).to_be_enabled()
    shot(page, "04-scan-preview")
    page.click("#scan-save")
    expect(page.locator("#scan-saved")).to_contain_text("일정으로 저장했습니다")
    shot(page, "05-scan-saved")
    _, _, meds = server.get("/api/medicines")
    assert len(meds["medicines"]) >= 3


def test_5_stream_coaching_and_cancel(page, server):
    page.click("#tab-coach")
    page.select_option("#gen-lang", "en")
    page.click("#coach-start")
    expect(page.locator("#gen-progress")).to_be_visible()
    # Wait until the model has streamed a few tokens into the page.
    page.wait_for_function("Number(document.querySelector('#gen-tokens').textContent) >= 4",
                           timeout=180_000)
    expect(page.locator("#gen-state")).to_have_text("답변 생성 중")
    shot(page, "06-coach-streaming")
    before = server.metrics()['dailydrug_generations_total{outcome="cancelled"}']
    page.click("#gen-cancel")
    expect(page.locator("#gen-cancelled")).to_be_visible()
    expect(page.locator("#gen-progress")).to_be_hidden()
    text_at_cancel = page.inner_text("#gen-output")
    # The server stopped the generation (the model is free again), and nothing more arrives.
    deadline = time.monotonic() + 10
    while server.metrics()['dailydrug_generations_total{outcome="cancelled"}'] <= before:
        assert time.monotonic() < deadline, "Cancel did not stop the server-side generation"
        time.sleep(0.1)
    assert server.metrics()["dailydrug_generation_running"] == 0
    time.sleep(0.5)
    assert page.inner_text("#gen-output") == text_at_cancel
    assert len(text_at_cancel.strip()) > len("⏹ 취소했습니다.")
    shot(page, "07-coach-cancelled")


def test_6_korean_question_is_answered_from_the_facts(page):
    page.select_option("#gen-lang", "ko")
    page.fill("#ask-text", "타이레놀 먹고 운전해도 되나요?")
    page.click("#ask-submit")
    out = page.locator("#gen-output")
    expect(out).to_contain_text("운전", timeout=60_000)
    expect(out).to_contain_text("약사")
    expect(page.locator("#gen-progress")).to_be_hidden(timeout=60_000)
    expect(page.locator("#gen-emergency")).to_have_count(0)
    shot(page, "08-ask-korean")


def test_7_emergency_question_shows_the_119_banner_first(page):
    page.select_option("#gen-lang", "ko")
    page.fill("#ask-text", "항생제 먹고 입술이 붓고 숨쉬기가 힘들어요")
    page.click("#ask-submit")
    banner = page.locator("#gen-output > .emergency-banner")
    expect(banner).to_contain_text("119", timeout=60_000)
    # The banner is the first thing in the answer, and the answer's own first line says it too.
    first = page.locator("#gen-output > *").first
    expect(first).to_have_id("gen-emergency")
    expect(page.locator("#gen-output")).to_contain_text("응급실")
    shot(page, "09-ask-emergency")


def test_7b_a_message_that_reads_like_an_emergency_gets_the_conditional_banner(page):
    # No word rule names this sign; triage's second opinion finds it reads like an emergency.
    page.select_option("#gen-lang", "ko")
    page.fill("#ask-text", "우리 애가 세탁세제 캡슐을 물어뜯었는데 입 주변이 빨개요")
    page.click("#ask-submit")
    banner = page.locator("#gen-output > .emergency-banner")
    expect(banner).to_contain_text("지금 이런 증상이 있다면", timeout=60_000)
    expect(banner).to_contain_text("119")
    expect(page.locator("#gen-output > *").first).to_have_id("gen-emergency")
