"""Builds liboauthcc with cargo and ships liboauthcc.so inside the package."""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

REPO_ROOT = Path(__file__).resolve().parents[2]


class BuildWithCargo(build_py):
    def run(self):
        super().run()
        subprocess.run(
            ["cargo", "build", "--release", "--lib", "--manifest-path", str(REPO_ROOT / "Cargo.toml")],
            check=True,
        )
        target = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
        destination = Path(self.build_lib) / "oauthcc"
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target / "release" / "liboauthcc.so", destination / "liboauthcc.so")


class BinaryDistribution(Distribution):
    """The wheel carries a native library, so it is platform-specific."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithCargo}, distclass=BinaryDistribution)
