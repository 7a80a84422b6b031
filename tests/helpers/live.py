"""The live-account commands (doctor, history, run, adopt) run as a user runs them: the installed CLI
in a subprocess, pointed at the emulator and the stand-ins through AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_<SERVICE> only, with fake keys (boto3's standard chain, nothing else)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.motoserver import fake_aws_env

RSQGEN = str(Path(sys.executable).parent / "rsqgen")


def live_env(moto_url: str, region: str, *, serverless: str | None = None, data_api: str | None = None, **more: str) -> dict[str, str]:
    """The environment of a user whose AWS is the emulator; the stand-ins by their service's variable."""
    env = fake_aws_env(dict(os.environ))
    env.update({"AWS_ENDPOINT_URL": moto_url, "AWS_REGION": region, **more})
    if serverless:
        env["AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS"] = serverless
    if data_api:
        env["AWS_ENDPOINT_URL_REDSHIFT_DATA"] = data_api
    return env


def rsqgen(args: list[str], env: dict[str, str], *, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([RSQGEN, *args], capture_output=True, text=True, env=env, check=False, timeout=timeout)


def rsqgen_json(args: list[str], env: dict[str, str], *, codes: tuple[int, ...] = (0, 1, 3)) -> tuple[int, dict]:
    """Run a command with --format json: its exit code and its report (an unexpected code fails)."""
    proc = rsqgen([*args, "--format", "json"], env)
    assert proc.returncode in codes, f"rsqgen {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}"
    return proc.returncode, json.loads(proc.stdout)
