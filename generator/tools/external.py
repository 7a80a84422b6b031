"""Finding and running the external tools: terraform (with an offline provider mirror) and checkov.

checkov cannot share an environment with python-hcl2 (both install a package named `hcl2`), so it
is always a separate executable: $RSQGEN_CHECKOV, else `checkov` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Terraform", "find_checkov", "find_mirror", "find_terraform", "scratch_copy"]

# Where a filesystem mirror of registry.terraform.io providers is usually found when there is no
# network: this project's machines keep one in /opt/tf-plugins.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


@dataclass(frozen=True)
class Terraform:
    binary: str
    mirror: Path | None

    def env(self, workdir: Path) -> dict[str, str]:
        """Environment for terraform: an offline CLI config when a mirror exists, no prompts, no colour."""
        env = dict(os.environ)
        env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
        if self.mirror is not None:
            config = workdir / ".rsqgen-terraformrc"
            config.write_text(
                "provider_installation {\n"
                f'  filesystem_mirror {{\n    path    = "{self.mirror}"\n    include = ["registry.terraform.io/*/*"]\n  }}\n'
                '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n'
                "}\n"
            )
            env["TF_CLI_CONFIG_FILE"] = str(config)
        return env

    def run(self, args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )


def find_mirror() -> Path | None:
    configured = os.environ.get("RSQGEN_TF_MIRROR")
    candidates = [configured] if configured else list(MIRROR_CANDIDATES)
    for c in candidates:
        path = Path(c).expanduser()
        if (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return path
    return None


def find_terraform() -> Terraform | None:
    binary = os.environ.get("RSQGEN_TERRAFORM") or shutil.which("terraform")
    if not binary or not Path(binary).exists():
        return None
    return Terraform(binary=binary, mirror=find_mirror())


def find_checkov() -> str | None:
    """$RSQGEN_CHECKOV, else a `checkov` beside the Python running rsqgen (`make setup` links the
    one from its own venv there), else `checkov` on PATH."""
    configured = os.environ.get("RSQGEN_CHECKOV")
    if configured:
        return configured if Path(configured).exists() else None
    beside = Path(sys.executable).parent / "checkov"
    if beside.exists():
        return str(beside)
    return shutil.which("checkov")


def scratch_copy(source: Path) -> Path:
    """A throw-away copy of a configuration, so checks leave no .terraform/ in the user's folder."""
    target = Path(tempfile.mkdtemp(prefix="rsqgen-check-"))
    shutil.copytree(
        source,
        target / "root",
        ignore=shutil.ignore_patterns(".terraform", "terraform.tfstate*", "*.tfplan", ".rsqgen-*"),
    )
    return target / "root"
