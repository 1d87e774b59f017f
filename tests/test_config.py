"""Settings: defaults, file, environment, and errors that name the key and the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.bot.config import ConfigError, load_settings


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.database.url.startswith("sqlite:///")
    assert s.smtp.host_port == ("127.0.0.1", 8025)
    assert s.relay.address is None
    assert Path(s.bot.org).is_file()


def test_file_then_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "intake.toml"
    cfg.write_text('[smtp]\nlisten = "0.0.0.0:2525"\n[database]\nurl = "sqlite:///x.db"\n')
    s = load_settings(cfg, env={"INTAKE_DATABASE_URL": "postgresql://h/db"})
    assert s.smtp.host_port == ("0.0.0.0", 2525)
    assert s.database.url == "postgresql://h/db"
    s = load_settings(cfg, env={"INTAKE_SMTP_RELAY": "relay.example.com:587"})
    assert s.relay.host_port == ("relay.example.com", 587)


def test_intake_toml_in_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "intake.toml").write_text('[bot]\ncase_prefix = "REQ"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).bot.case_prefix == "REQ"


def test_bad_value_names_key_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[smtp]\nlisten = "nowhere"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert str(cfg) in str(err.value) and "smtp.listen" in str(err.value)


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "typo.toml"
    cfg.write_text("[smtp]\nlisten_port = 25\n")
    with pytest.raises(ConfigError, match=r"smtp\.listen_port"):
        load_settings(cfg, env={})


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INTAKE_SMTP_RELAY"):
        load_settings(env={"INTAKE_SMTP_RELAY": "no-port-here"})


def test_broken_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[smtp\n")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_settings(cfg, env={})
