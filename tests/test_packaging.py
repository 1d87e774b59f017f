"""What `pip install intake` puts into site-packages: everything under the one `intake.`
namespace (no generic top-level `bot`, `parsers`, `handlers`, `storage` to clash with another
distribution), and every source package of ours, so a non-editable install can import them.

Built with pip itself (the real build backend, in its isolated build environment), then read
as the zip it is."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
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
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout: setuptools writes build/
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
    (built,) = out.glob("intake-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> list[str]:
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


# Run by a Python that sees the installed wheel and the dependencies, but neither the
# checkout nor its editable install (-S: no site, so no .pth finder; run from another folder).
ON_DEFAULTS = """
from pathlib import Path
import intake.bot.config as config
from intake.handlers.templates_check import template_problems
from intake.parsers.org import load_organisation
settings = config.load_settings(env={})
print(Path(config.__file__).parent.parent)
print(template_problems(settings.bot.templates))
print(load_organisation(settings.bot.org).name)
"""


@pytest.mark.slow
def test_an_installed_wheel_runs_on_its_defaults(wheel: Path, tmp_path: Path) -> None:
    """The defaults (bot/config.py) point beside the packages: the email templates and the
    demo organisation must be installed there, or an installed bot cannot answer anyone."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "-t", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    paths = [str(target), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    done = subprocess.run(
        [sys.executable, "-S", "-c", ON_DEFAULTS],
        cwd=tmp_path,
        env={"PYTHONPATH": ":".join(paths), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    installed_at, problems, organisation = done.stdout.splitlines()
    assert Path(installed_at) == target / "intake"
    assert problems == "[]"
    assert organisation
