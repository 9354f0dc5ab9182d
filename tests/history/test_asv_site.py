"""The asv site of this repository, built as `nox -s asv_publish` builds it, looked at in a real
browser (Debian's headless Chromium): it loads without JavaScript errors and draws a
benchmark's graph.

asv's pages load jQuery, flot and friends from public CDNs, which this machine cannot reach;
the test installs the same libraries from the npm registry and points the page at those copies
(stupid-table-plugin 1.1.3 stands in for 1.0.1, which npm does not have).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asv import util as asv_util

from tests.harnesses import git

ROOT = Path(__file__).resolve().parents[2]
NPM_PACKAGES = [
    "jquery@3.3.1",
    "flot@0.8.3",
    "flot-orderbars@1.0.0",
    "stupid-table-plugin@1.1.3",
    "blueimp-md5@2.19.0",
    "bootstrap@3.1.1",
]
BENCH = "bench_core.History.time_query"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _vendor(site: Path, cache: Path) -> None:
    """Point index.html's CDN scripts and styles at copies from the npm registry."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("needs npm for asv's JavaScript libraries")
    modules = cache / "node_modules"
    if not modules.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "package.json").write_text("{}")
        subprocess.run(
            [npm, "install", "--silent", "--no-save", *NPM_PACKAGES],
            cwd=cache, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    files = {p.name: p for p in modules.rglob("*.js")} | {p.name: p for p in modules.rglob("*.css")}
    vendor = site / "vendor"
    vendor.mkdir()
    index = site / "index.html"
    html = index.read_text(encoding="utf-8")
    for url in sorted(set(re.findall(r'(?:src|href)="(https://[^"]+\.(?:js|css))"', html))):
        name = url.rsplit("/", 1)[1]
        plain = re.sub(r"-\d+(\.\d+)*", "", name)  # jquery-3.3.1.min.js -> jquery.min.js
        local = next(
            (files[n] for n in (name, plain, name.replace(".min.", ".")) if n in files), None
        )
        assert local is not None, f"no npm copy of {url}"
        shutil.copy(local, vendor / name)
        html = html.replace(url, f"vendor/{name}")
    # the copies are not byte-identical to the CDN's (unminified flot): no integrity hashes
    html = re.sub(r'\s+integrity="[^"]*"', "", html)
    index.write_text(html, encoding="utf-8")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.slow
def test_asv_site_draws_a_graph_without_javascript_errors(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    # this repository's asv config, with results and site in tmp_path
    config = asv_util.load_json(str(ROOT / "asv.conf.json"), js_comments=True)
    config |= {
        "repo": str(ROOT),
        "benchmark_dir": str(ROOT / config["benchmark_dir"]),
        "results_dir": str(tmp_path / "results"),
        "html_dir": str(tmp_path / "html"),
        "env_dir": str(tmp_path / "env"),
    }
    conf = tmp_path / "asv.conf.json"
    conf.write_text(json.dumps(config))
    asv = [sys.executable, "-m", "asv"]
    subprocess.run(
        [*asv, "machine", "--yes", "--config", str(conf)], check=True, capture_output=True
    )
    commit = git(ROOT, "rev-parse", "HEAD")
    run = subprocess.run(
        [*asv, "run", "--config", str(conf), "--quick", "--bench", "History",
         f"--environment=existing:{sys.executable}", f"--set-commit-hash={commit}"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    subprocess.run([*asv, "publish", "--config", str(conf)], check=True, capture_output=True)
    site = tmp_path / "html"
    _vendor(site, Path(str(tmp_path_factory.getbasetemp())).parent / "perfgate-asv-js")

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html#{BENCH}"
    try:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
        shot = tmp_path / "asv.png"
        common = [chromium, *flags, "--virtual-time-budget=15000", "--window-size=1280,900"]
        subprocess.run(
            [*common, f"--screenshot={shot}", url], capture_output=True, check=True, timeout=120
        )
        done = subprocess.run(
            [*common, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    dom, log = done.stdout, done.stderr
    errors = [line for line in log.splitlines() if "CONSOLE" in line and "Uncaught" in line]
    assert errors == []
    assert "Can not determine continental origin of swallow" not in dom  # asv's load error
    assert "time_query" in dom
    assert 'class="flot-base"' in dom  # flot drew the graph's canvas
    assert shot.stat().st_size > 10_000
