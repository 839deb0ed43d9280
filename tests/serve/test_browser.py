"""The page in real headless Chromium: classify two statements, score a CSV, show a script as text.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); skipped,
saying so, only when there is no Chromium.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from classifier.scoring import score_csv

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SCRIPT = "<script>document.title='owned'</script> We always say yes."

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="no Chromium: install Debian's chromium and chromium-driver (apt-get install -y chromium "
    "chromium-driver) to run the browser test",
)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument("--window-size=1100,1000")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s")


def test_page_in_chromium(browser, live_server, measured, tmp_path, uploads):
    from selenium.webdriver.common.by import By

    find = browser.find_element
    browser.get(live_server.url + "/")
    wait_for(lambda: "macro-F1" in find(By.ID, "model-accuracy").text)
    assert find(By.ID, "model-accuracy").text == "macro-F1 0.59 ± 0.05 on 83 statements (dev set, bootstrap)"
    assert measured.metadata["version"] in find(By.ID, "model-version").text

    statements = [
        "Ik zeg wel eens nee tegen een klant.",
        "The customer is always right, whatever it costs us.",
    ]
    find(By.ID, "texts").send_keys("\n".join([*statements, SCRIPT]))
    find(By.ID, "classify").click()
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    from classifier.predict import predict

    expected = predict(measured, [*statements, SCRIPT])
    labels = [row.find_element(By.CSS_SELECTOR, "td.label").text for row in rows]
    assert labels == [p.label for p in expected], "both labels read from the table"
    shown = [row.find_element(By.CSS_SELECTOR, "td.text").text for row in rows]
    assert shown == [*statements, SCRIPT], "a <script> statement appears literally"
    assert browser.title != "owned" and not browser.find_elements(By.CSS_SELECTOR, "#results script")
    browser.save_screenshot(str(tmp_path / "serve-classify.png"))

    slider = find(By.ID, "threshold")  # everything below the threshold turns uncertain
    browser.execute_script(
        "arguments[0].value = '0.95'; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results td.label")]
    assert labels == ["uncertain" if p.confidence < 0.95 else p.label for p in expected]
    browser.execute_script(
        "arguments[0].value = '0.5'; arguments[0].dispatchEvent(new Event('input'))", slider
    )

    csv = tmp_path / "quotes.csv"
    csv.write_text(
        "id,text\n1,We zeggen nooit nee.\n2,Na zessen neem ik niet op.\n3,\n4,Whatever they ask.\n"
    )
    find(By.ID, "file").send_keys(str(csv))
    find(By.ID, "score").click()
    downloaded = wait_for(lambda: [p for p in browser.downloads.iterdir() if p.name == "quotes.scored.csv"])[
        0
    ]
    wait_for(lambda: "Scored 4 rows" in find(By.ID, "score-status").text)
    reference = tmp_path / "reference.csv"
    score_csv(csv, reference, model=measured.estimator)
    assert downloaded.read_bytes() == reference.read_bytes(), "the download is the scored file"
    counts = find(By.ID, "score-counts").text
    assert (
        "empty text: 1" in counts and sum(int(line.rsplit(": ", 1)[1]) for line in counts.splitlines()) == 4
    )
    browser.set_window_size(1000, 1320)  # the whole page in one picture (docs/img/serve.png)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(tmp_path / "serve.png"))

    browser.set_window_size(390, 844)  # a phone: nothing sticks out sideways
    width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"
    browser.execute_script("document.getElementById('results').scrollIntoView()")
    browser.save_screenshot(str(tmp_path / "serve-phone.png"))
    assert wait_for(lambda: not any(uploads.iterdir())), "the upload folder is gone"


def test_docs_render_without_other_hosts(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server.url + "/docs")
    operations = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    assert {"/classify", "/score", "/health"} <= {e.text.replace("\u200b", "") for e in operations}


def test_page_asks_for_the_token_and_says_not_measured(browser, loaded, uploads):
    from selenium.webdriver.common.by import By

    from classifier.serve import create_app

    from .conftest import LiveServer

    find = browser.find_element
    with LiveServer(create_app(loaded, token="s3cret", workdir=uploads)) as server:
        browser.get(server.url + "/")
        wait_for(lambda: find(By.ID, "token-box").is_displayed())
        find(By.ID, "token").send_keys("s3cret")
        find(By.CSS_SELECTOR, "#token-form button").click()
        wait_for(lambda: find(By.ID, "model-accuracy").text == "not measured")
        assert loaded.info()["version"] in find(By.ID, "model-version").text
        find(By.ID, "texts").send_keys("We say no after six.")
        find(By.ID, "classify").click()
        label = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#results td.label"))[0].text
        assert label in ("customer_is_king", "sets_limits")
