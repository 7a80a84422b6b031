"""The live-account commands where no AWS can be reached: no credentials, or nothing listening.
Each says what it needs (credentials, network) and exits 3 with nothing written; none crashes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLES_DIR

RSQGEN = str(Path(sys.executable).parent / "rsqgen")
SPEC = str(EXAMPLES_DIR / "existing-cluster" / "spec.yaml")


def env(**more: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**base, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "1", **more}  # fmt: skip


def dead_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("args", [["doctor", SPEC], ["history", SPEC], ["run", SPEC, "vacuum-events"]])
def test_without_credentials_it_says_so_and_exits_3(args):
    proc = subprocess.run([RSQGEN, *args, "--format", "json"], capture_output=True, text=True, env=env(), timeout=60, check=False)
    assert proc.returncode == 3, proc.stderr
    (missing,) = json.loads(proc.stdout)["not_run"]
    assert "NoCredentialsError" in missing["error"] and "AWS_PROFILE" in missing["permission"]


def test_without_network_it_says_so_and_writes_nothing(tmp_path):
    out = tmp_path / "adopted"
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ENDPOINT_URL": dead_port()}
    proc = subprocess.run([RSQGEN, "adopt", "--region", "eu-west-1", "-o", str(out)], capture_output=True, text=True, env=env(**keys), timeout=60, check=False)
    assert proc.returncode == 3 and not out.exists(), proc.stdout + proc.stderr
    assert proc.stdout.startswith("No account reached (region eu-west-1)") and "network access to AWS" in proc.stdout


def test_adopt_checks_its_region_and_folder_before_reading_anything(tmp_path):
    proc = subprocess.run([RSQGEN, "adopt", "--region", "eu-west-9", "-o", str(tmp_path / "x")], capture_output=True, text=True, env=env(), timeout=60, check=False)
    assert proc.returncode == 2 and "not an AWS region" in proc.stderr
    (tmp_path / "file").write_text("x")
    proc = subprocess.run([RSQGEN, "adopt", "--region", "eu-west-1", "-o", str(tmp_path / "file")], capture_output=True, text=True, env=env(), timeout=60, check=False)
    assert proc.returncode == 2 and "is a file" in proc.stderr
