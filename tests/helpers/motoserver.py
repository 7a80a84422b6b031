"""A local moto server for the deploy tests: started on 127.0.0.1, reset per example, stopped by PID.

Fake credentials live only in the environments and clients made here (`fake_aws_env`, `client`):
nothing is set in os.environ, and real AWS variables are stripped from what terraform sees.

moto 5.2.5 has no Redshift Serverless API: `serverless.ServerlessStandIn` serves it, and
`provider_override` sends the provider's redshiftserverless calls there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

FAKE_KEY = "testing"

# Every AWS service the generated configuration (and the data sources it reads) may call.
ENDPOINT_SERVICES = (
    "cloudwatchlogs",
    "ec2",
    "events",
    "iam",
    "kms",
    "redshift",
    "redshiftserverless",
    "scheduler",
    "secretsmanager",
    "sns",
    "sqs",
    "sts",
)

OVERRIDE_FILE = "zz_moto_override.tf"


def find_moto_server() -> str | None:
    """moto_server next to this interpreter (the project's venv), else on PATH."""
    beside = Path(sys.executable).with_name("moto_server")
    if beside.exists():
        return str(beside)
    return shutil.which("moto_server")


def required_moto_server() -> str:
    """moto_server's path; a test that needs it and cannot find it fails loudly, never skips."""
    import pytest

    binary = find_moto_server()
    if not binary:
        pytest.fail("moto_server is required and was not found (beside the venv's python, or on PATH); `make test` installs it", pytrace=False)
    return binary


@contextlib.contextmanager
def running_moto(log_path: Path, *, account_id: str | None = None, env: dict[str, str] | None = None) -> Iterator[MotoServer]:
    """A moto server for the block, in account `account_id`; started or the test fails loudly."""
    import pytest

    server = MotoServer(required_moto_server(), log_path, account_id=account_id, env=env)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_aws_env(base: dict[str, str]) -> dict[str, str]:
    """`base` without any AWS_* variable (no real credential, profile or config file can leak in),
    plus fake keys for moto."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": FAKE_KEY,
            "AWS_SECRET_ACCESS_KEY": FAKE_KEY,
            # Point the shared files nowhere, so no profile on this machine is read.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


def provider_override(url: str, endpoints: dict[str, str] | None = None) -> str:
    """A `provider "aws"` override block that sends every call of the configuration to moto.

    Terraform merges `*_override.tf` files into the configuration, so the generated files stay
    untouched. Account lookup stays on (moto answers sts:GetCallerIdentity), because specs without
    account_id read it through data.aws_caller_identity."""
    urls = {name: url for name in ENDPOINT_SERVICES} | (endpoints or {})
    lines = "\n".join(f'    {name:<18} = "{urls[name]}"' for name in sorted(urls))
    return (
        "# Written by the deploy tests: send every AWS call to the local moto server.\n"
        'provider "aws" {\n'
        f'  access_key                  = "{FAKE_KEY}"\n'
        f'  secret_key                  = "{FAKE_KEY}"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  skip_requesting_account_id  = false\n"
        "\n"
        "  endpoints {\n"
        f"{lines}\n"
        "  }\n"
        "}\n"
    )


class MotoServer:
    def __init__(self, binary: str, log_path: Path, startup_timeout: float = 30.0, account_id: str | None = None, env: dict[str, str] | None = None) -> None:
        self.binary = binary
        self.env = env or {}  # moto's own settings, e.g. MOTO_IAM_LOAD_MANAGED_POLICIES
        self.account_id = account_id  # moto's own account (MOTO_ACCOUNT_ID); None: moto's default
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # The log goes to a file: a pipe nobody reads would fill up and block the server.
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [self.binary, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=fake_aws_env(dict(os.environ, **self.env, **({"MOTO_ACCOUNT_ID": self.account_id} if self.account_id else {}))),
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode} at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.url} within {self.startup_timeout:.0f}s:\n{self.log_tail()}")

    def use_account(self, account_id: str | None) -> None:
        """Serve as account `account_id` (None: moto's default), restarting if it served another:
        a spec with an account_id is applied into that account, so `rsqgen doctor` may check it."""
        if account_id == self.account_id:
            return
        self.stop()
        self.account_id = account_id
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def reset(self) -> None:
        """Forget every resource: each example starts from an empty account."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200, f"moto reset answered {response.status}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def client(self, service: str, region: str):
        """A boto3 client for moto: explicit fake keys, never the machine's credentials."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=FAKE_KEY,
            aws_secret_access_key=FAKE_KEY,
            aws_session_token=None,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )
