"""What `pip install intake` puts into site-packages: everything under the one `intake.`
namespace (no generic top-level `bot`, `parsers`, `handlers`, `storage` to clash with another
distribution), and every source package of ours, so a non-editable install can import them.

Built with pip itself (the real build backend, in its isolated build environment), then read
as the zip it is."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.conftest import ROOT

SOURCE_FOLDERS = ("bot", "parsers", "handlers", "storage")


# Not copied into the build's source folder: history, the environment, run-time files and
# what earlier builds left behind (setuptools would read a stale egg-info's file list).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*_cache"
)


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The wheel's file list, built from a copy of the checkout: setuptools writes build/
    and intake.egg-info/ into the folder it builds, and two builds of one folder at once
    (two pytest-xdist workers, or two people's runs) would trip over each other."""
    source = tmp_path_factory.mktemp("source") / "intake"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("intake-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_everything_installs_under_the_intake_namespace(wheel_names: list[str]) -> None:
    tops = {name.split("/")[0] for name in wheel_names}
    assert tops == {"intake", "intake-0.1.0.dist-info"}


@pytest.mark.slow
def test_every_source_package_is_in_the_wheel(wheel_names: list[str]) -> None:
    """A package folder missing from the list (parsers/fields once was) would install a bot
    that fails on its first import."""
    packages = {
        str(init.parent.relative_to(ROOT))
        for folder in SOURCE_FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert "parsers/fields" in packages
    for package in sorted(packages):
        assert f"intake/{package}/__init__.py" in wheel_names, package


@pytest.mark.slow
def test_the_migration_template_ships_with_the_migrations(wheel_names: list[str]) -> None:
    assert "intake/storage/migrations/script.py.mako" in wheel_names
    versions = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "storage/migrations/versions").glob("*.py")
    )
    assert versions
    for version in versions:
        assert f"intake/{version}" in wheel_names


def test_the_intake_command_loads_the_namespaced_cli() -> None:
    (script,) = entry_points(group="console_scripts", name="intake")
    assert script.module == "intake.bot.cli"
    main = script.load()
    assert main is sys.modules["intake.bot.cli"].main
    assert Path(sys.modules["intake.bot.cli"].__file__ or "") == ROOT / "bot" / "cli.py"
