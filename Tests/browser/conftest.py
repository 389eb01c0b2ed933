"""The served example site and a headless Chromium that uses it, for the browser tests.

scripts/browser-test builds the example site, serves it with nginx on localhost and sets:

    DESKBOOK_TEST_PORT    the localhost port nginx listens on
    DESKBOOK_TEST_SITE    the folder nginx serves (the built site: one folder per audience)
    DESKBOOK_TEST_AUDIENCE  the audience whose site the tests use (managers: they see every page)
    DESKBOOK_SCREENSHOTS  where the screenshots go (default: docs/screenshots)

Chromium reaches the site as http://intranet.test:PORT/, a plain-http address by name like an
office intranet's (so not a "secure context": the copy button's fallback runs there), and as
http://127.0.0.1:PORT/, which browsers treat as secure. Every other host name fails to resolve,
so nothing a page asks for can leave the machine.
"""

import json
import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPOSITORY = Path(__file__).resolve().parents[2]
INTRANET_HOST = "intranet.test"


class Site:
    """One audience's site of the built example and the addresses it is served at."""

    def __init__(self, port, root, audience):
        self.port = port
        self.root = Path(root)                           # the whole release: every audience's site
        self.folder = self.root / audience               # this audience's site
        self.base = f"/{audience}"
        self.url = f"http://{INTRANET_HOST}:{port}{self.base}"   # plain http by name, as in an office
        self.local_url = f"http://127.0.0.1:{port}{self.base}"   # localhost: a secure context

    def is_own(self, url):
        """True for a request that stays on this site (or never leaves the page)."""
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        return (parts.scheme, parts.hostname, parts.port) in {
            ("http", INTRANET_HOST, self.port), ("http", "127.0.0.1", self.port)}

    def pages(self):
        """Every HTML page of this audience's site, as paths relative to its folder."""
        return sorted(path.relative_to(self.folder) for path in self.folder.rglob("*.html"))

    def every_page(self):
        """Every HTML file of the release: all audiences' sites and the status page."""
        return sorted(self.root.rglob("*.html"))


class Browser:
    """A headless Chromium with the few things the tests ask of it, in the words they use."""

    DESKTOP = (1280, 800)
    PHONE = (360, 740)

    def __init__(self, driver, site, downloads):
        self.driver = driver
        self.site = site
        self.downloads = downloads

    # Pages and elements

    def open(self, path, local=False):
        """Opens a page of the site and waits until it and its deferred scripts have loaded."""
        self.driver.get((self.site.local_url if local else self.site.url) + path)
        self.wait_for(lambda: self.js("return document.readyState") == "complete", f"{path} to load")

    def path(self):
        """The current page's path within the audience's site."""
        return urlsplit(self.driver.current_url).path.removeprefix(self.site.base)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def js(self, script, *arguments):
        return self.driver.execute_script(script, *arguments)

    def wait_for(self, condition, what, timeout=10):
        return WebDriverWait(self.driver, timeout).until(lambda _: condition(), f"waited {timeout} s for {what}")

    def cdp(self, command, parameters=None):
        return self.driver.execute_cdp_cmd(command, parameters or {})

    # Screens, media and colour schemes

    def screen(self, width, height, phone=False):
        """Emulates a screen: a phone has a touch screen, a device scale of 2 and a mobile viewport."""
        self.cdp("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 2 if phone else 1, "mobile": phone})
        self.cdp("Emulation.setTouchEmulationEnabled", {"enabled": phone})

    def phone(self):
        self.screen(*self.PHONE, phone=True)

    def media(self, media="", color_scheme="light"):
        """Emulates print media (media="print") and the system's light or dark colour scheme."""
        self.cdp("Emulation.setEmulatedMedia", {
            "media": media, "features": [{"name": "prefers-color-scheme", "value": color_scheme}]})

    def reset(self):
        self.screen(*self.DESKTOP)
        self.media()

    # Keyboard: the clipboard shortcuts, as a person presses them

    def shortcut(self, key, command):
        """Presses Ctrl+KEY; `command` is the editing command the browser runs for it (copy, paste …)."""
        code = f"Key{key.upper()}"
        virtual_key = ord(key.upper())
        self.cdp("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": key, "code": code, "modifiers": 2,
                                            "windowsVirtualKeyCode": virtual_key, "commands": [command]})
        self.cdp("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "modifiers": 2,
                                            "windowsVirtualKeyCode": virtual_key})

    def clipboard_text_via(self, field):
        """What Ctrl+V pastes into an input field: the text on the clipboard."""
        field.clear()
        field.click()
        self.shortcut("v", "paste")
        return field.get_attribute("value")

    def put_on_clipboard_via(self, field, text):
        """Types text into an input field, selects it and copies it with Ctrl+A, Ctrl+C."""
        field.clear()
        field.send_keys(text)
        self.shortcut("a", "selectAll")
        self.shortcut("c", "copy")
        field.clear()

    # What the browser saw

    def console_errors(self):
        """Console messages at error level since the last call: script errors, failed loads …"""
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def requested_urls(self):
        """Every URL the pages asked for since the last call, from the browser's network log."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def resource_entries(self):
        """The page's navigation and resource timing entries: what it loaded and how many bytes."""
        return self.js("""
            return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
              .map(e => ({url: e.name, type: e.initiatorType, transferred: e.transferSize,
                          encoded: e.encodedBodySize, decoded: e.decodedBodySize}));""")

    def downloaded(self, pattern, timeout=10):
        """The file a download saved under a name matching pattern, once it is complete."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [path for path in self.downloads.glob(pattern) if not path.name.endswith(".crdownload")]
            if done:
                return done[0]
            time.sleep(0.1)
        raise AssertionError(f"no download {pattern} in {self.downloads} after {timeout} s")

    def screenshot(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.get_screenshot_as_file(str(path))
        return path


@pytest.fixture(scope="session")
def site():
    port = os.environ.get("DESKBOOK_TEST_PORT")
    folder = os.environ.get("DESKBOOK_TEST_SITE")
    audience = os.environ.get("DESKBOOK_TEST_AUDIENCE")
    if not port or not folder or not audience:
        pytest.exit("run the browser tests with scripts/browser-test: it builds and serves the site", returncode=2)
    return Site(int(port), folder, audience)


@pytest.fixture(scope="session")
def screenshots():
    return Path(os.environ.get("DESKBOOK_SCREENSHOTS", REPOSITORY / "docs" / "screenshots"))


@pytest.fixture(scope="session")
def chromium(site, tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    arguments = [
        "--headless=new",
        f"--window-size={Browser.DESKTOP[0]},{Browser.DESKTOP[1]}",
        "--lang=zh-TW",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        f"--host-resolver-rules=MAP {INTRANET_HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]
    if os.geteuid() == 0:
        arguments.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    for argument in arguments:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield Browser(driver, site, downloads)
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium):
    """The browser, reset to a light desktop screen; after each test, the console must show no
    error and no request may have left the site."""
    chromium.reset()
    chromium.console_errors()
    chromium.requested_urls()
    yield chromium
    errors = chromium.console_errors()
    outside = [url for url in chromium.requested_urls() if not chromium.site.is_own(url)]
    assert errors == [], f"the browser console showed errors: {errors}"
    assert outside == [], f"requests left the site: {outside}"


# Figures the tests measured, printed at the end of the run.
MEASURED = []


@pytest.fixture
def measured():
    return MEASURED.append


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.section("measured")
        for line in MEASURED:
            terminalreporter.write_line(line)

