"""The report read in a real browser: headless Chromium at 800 and 1280 pixels.

The page must not scroll sideways, and the columns the text quotes must be on screen. Runs
where Chromium is installed (Debian's package ``chromium``; CI installs it) and says why it
skips elsewhere.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from agi_interventions import api

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

#: Measures the page after layout and writes the result into the DOM for --dump-dom.
PROBE = """
<script>
window.addEventListener("load", () => {
  const width = window.innerWidth;
  const quoted = ["Value", "Mean (exact)", "Mean in the sample [95% interval]", "Switch at",
                  "P(best) [95% interval]", "Best"];
  const offscreen = [];
  for (const th of document.querySelectorAll("th")) {
    if (quoted.includes(th.textContent.trim())) {
      const box = th.getBoundingClientRect();
      if (box.right > width + 1) offscreen.push(th.textContent.trim());
    }
  }
  const scrolling = [...document.querySelectorAll(".table-wrap")]
    .filter(w => w.scrollWidth > w.clientWidth + 1).length;
  document.body.setAttribute("data-metrics", JSON.stringify({
    scrollWidth: document.documentElement.scrollWidth, width: width,
    offscreen: offscreen, scrolling: scrolling,
    images: [...document.images].filter(i => i.naturalWidth > 0).length,
  }));
});
</script>
"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    results = api.analyse(
        REPO / "config/priors/multiverse.yaml",
        samples=256,
        seed=3,
        decision={"evppi_bootstrap": 10, "exact_draws": 2**14},
    )
    page = api.render(results).replace("</body>", PROBE + "</body>")
    path = tmp_path_factory.mktemp("layout") / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _measure(path: Path, width: int, profile: Path) -> dict:
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},2000",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'data-metrics="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.parametrize("width", [800, 1280])
def test_the_page_never_scrolls_sideways_and_quoted_columns_are_visible(
    report_file, tmp_path, width
):
    metrics = _measure(report_file, width, tmp_path / "profile")
    assert metrics["scrollWidth"] <= metrics["width"], metrics
    assert metrics["offscreen"] == [], metrics
    assert metrics["images"] >= 8, metrics
    if width == 1280:
        assert metrics["scrolling"] == 0, metrics
