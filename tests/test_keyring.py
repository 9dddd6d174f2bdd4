"""No plaintext keyring ever gets the password unless the user chose it (issue 9 §3).

Real keyring backends throughout: keyring's own null/fail/chainer backends, a file-based
backend (tests/keyring_file.py, as plaintext as keyrings.alt's), keyrings.alt itself where it
is installed, and the real `focusguard account login` against the EWS simulator.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import SecretService, chainer, fail, null

from focusguard.secrets import (
    ENV_VAR,
    Keyring,
    SecretStoreError,
    choose,
    explicit_choice,
)
from focusguard.sim.ews import EwsSimulator
from tests.keyring_file import FileKeyring
from tests.keyring_memory import MemoryKeyring

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "Zq7-unusual-Secret-4711"
EMAIL = "me@corp.example"
FOCUSGUARD = (sys.executable, "-m", "focusguard")


@pytest.fixture
def nothing_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No PYTHON_KEYRING_BACKEND and no keyringrc.cfg: keyring picks a backend by itself."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def use(backend: keyring.backend.KeyringBackend) -> None:
    keyring.set_keyring(backend)


# -- refused unless chosen ----------------------------------------------------------------------


def test_a_file_keyring_found_by_itself_is_refused_with_the_fix(nothing_chosen: Path) -> None:
    store = FileKeyring(nothing_chosen / "plain.json")
    use(store)
    with pytest.raises(SecretStoreError) as err:
        Keyring().set(EMAIL, PASSWORD)
    assert err.value.title == "No safe keyring"
    message = err.value.message
    assert "tests.keyring_file.FileKeyring" in message
    assert "GNOME Keyring or KWallet" in message and "KeePassXC" in message
    assert f"{ENV_VAR}=tests.keyring_file.FileKeyring" in message  # how to opt in on purpose
    assert f"still in {store.path}" in message  # where an earlier password may be left
    assert not store.path.exists()  # nothing written
    with pytest.raises(SecretStoreError):
        Keyring().get(EMAIL)
    with pytest.raises(SecretStoreError):
        Keyring().check()


@pytest.mark.parametrize("name", ["file.PlaintextKeyring", "file.EncryptedKeyring"])
def test_keyrings_alt_backends_are_refused(
    nothing_chosen: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    alt = pytest.importorskip("keyrings.alt.file")  # no longer part of the dev install
    cls = getattr(alt, name.split(".")[1])
    backend = cls.__new__(cls)  # EncryptedKeyring's __init__ wants pycryptodome; not needed
    monkeypatch.setattr(cls, "file_path", str(nothing_chosen / "alt.cfg"))
    use(backend)
    with pytest.raises(SecretStoreError, match="not a system keyring") as err:
        Keyring().set(EMAIL, PASSWORD)
    assert f"still in {nothing_chosen / 'alt.cfg'}" in err.value.message
    assert not (nothing_chosen / "alt.cfg").exists()


@pytest.mark.parametrize("backend", [null.Keyring(), fail.Keyring()])
def test_null_and_fail_backends_are_refused(
    nothing_chosen: Path, backend: keyring.backend.KeyringBackend
) -> None:
    use(backend)
    with pytest.raises(SecretStoreError) as err:
        Keyring().set(EMAIL, PASSWORD)
    assert err.value.title == "No keyring"


def test_null_backend_chosen_on_purpose_is_still_refused(
    nothing_chosen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It keeps nothing: "stored in the keyring" would be a lie."""
    monkeypatch.setenv(ENV_VAR, "keyring.backends.null.Keyring")
    use(null.Keyring())
    with pytest.raises(SecretStoreError) as err:
        Keyring().set(EMAIL, PASSWORD)
    assert err.value.title == "Keyring switched off"
    assert ENV_VAR in err.value.message


def test_a_chainer_uses_the_system_keyring_it_chains_never_the_file(
    nothing_chosen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = SecretService.Keyring()  # constructing it needs no D-Bus; it is not used here
    plain = FileKeyring(nothing_chosen / "plain.json")
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [system, plain])
    assert choose(chainer.ChainerBackend(), None) is system
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plain])
    use(chainer.ChainerBackend())
    with pytest.raises(SecretStoreError, match=r"tests\.keyring_file\.FileKeyring"):
        Keyring().set(EMAIL, PASSWORD)
    assert not plain.path.exists()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    with pytest.raises(SecretStoreError, match="No usable keyring"):
        choose(chainer.ChainerBackend(), None)


def test_a_backend_other_than_the_one_chosen_is_refused(
    nothing_chosen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "tests.keyring_memory.MemoryKeyring")
    use(FileKeyring(nothing_chosen / "plain.json"))
    with pytest.raises(SecretStoreError, match="No safe keyring"):
        Keyring().set(EMAIL, PASSWORD)


def test_a_keyring_setting_that_cannot_load_is_a_clear_error(
    nothing_chosen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "keyring.backends.NoSuchBackend.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # keyring loads it afresh
    with pytest.raises(SecretStoreError) as err:
        Keyring().get(EMAIL)
    assert err.value.title == "Keyring setting not usable"
    assert f"{ENV_VAR} names keyring.backends.NoSuchBackend.Keyring" in err.value.message


# -- the explicit opt-in ------------------------------------------------------------------------


def test_a_file_keyring_chosen_in_the_environment_is_used(
    nothing_chosen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "tests.keyring_file.FileKeyring")
    store = FileKeyring(nothing_chosen / "plain.json")
    use(store)
    Keyring().set(EMAIL, PASSWORD)
    assert Keyring().get(EMAIL) == PASSWORD
    assert store.path.exists()
    assert Keyring().check() == "the keyring you chose (tests.keyring_file.FileKeyring)"


def test_a_backend_chosen_in_keyringrc_is_used(nothing_chosen: Path) -> None:
    rc = nothing_chosen / "config" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text("[backend]\ndefault-keyring = tests.keyring_file.FileKeyring\n", "utf-8")
    choice = explicit_choice()
    assert choice is not None and choice.name == "tests.keyring_file.FileKeyring"
    assert choice.where == str(rc)
    use(FileKeyring(nothing_chosen / "plain.json"))
    Keyring().set(EMAIL, PASSWORD)
    assert Keyring().get(EMAIL) == PASSWORD


def test_a_broken_keyringrc_is_no_choice(nothing_chosen: Path) -> None:
    rc = nothing_chosen / "config" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text("not an ini file at all", "utf-8")
    assert explicit_choice() is None
    rc.write_text("[backend]\nkeyring-path = /tmp\n", "utf-8")
    assert explicit_choice() is None


def test_the_suites_memory_keyring_is_an_explicit_choice() -> None:
    """What every other test relies on (tests/conftest.py)."""
    assert os.environ[ENV_VAR] == "tests.keyring_memory.MemoryKeyring"
    Keyring().set(EMAIL, PASSWORD)
    assert Keyring().get(EMAIL) == PASSWORD
    assert isinstance(keyring.get_keyring(), MemoryKeyring)


# -- the documented install, end to end ------------------------------------------------------


@pytest.fixture
def ews_sim() -> Iterator[EwsSimulator]:
    sim = EwsSimulator(password=PASSWORD, mailbox=EMAIL)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def login(
    sim: EwsSimulator, tmp_path: Path, env: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "focusguard.toml"
    config.write_text(
        f'[account]\nkind = "ews"\nemail = "{EMAIL}"\news_url = "{sim.url}"\nauth = "basic"\n',
        encoding="utf-8",
    )
    return subprocess.run(
        [*FOCUSGUARD, "account", "login", "--password-stdin", *extra, "--config", str(config)],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    """A machine with no desktop keyring running and no keyring configured."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (ENV_VAR, "DBUS_SESSION_BUS_ADDRESS", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    env.update(
        FOCUSGUARD_HOME=str(tmp_path / "home"),
        HOME=str(tmp_path / "user"),
        XDG_CONFIG_HOME=str(tmp_path / "user" / ".config"),
        XDG_DATA_HOME=str(tmp_path / "user" / ".local" / "share"),
    )
    return env


def files_containing(root: Path, secret: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()]


def test_account_login_without_a_system_keyring_stores_nothing_and_says_why(
    ews_sim: EwsSimulator, tmp_path: Path
) -> None:
    """Whatever keyring finds here (keyrings.alt's PlaintextKeyring when it is installed, the
    fail backend when not), the password is refused, before it is even checked."""
    result = login(ews_sim, tmp_path, clean_env(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "keyring" in result.stderr.lower() and "GNOME Keyring or KWallet" in result.stderr
    assert "Traceback" not in result.stderr
    assert "system keyring." not in result.stdout  # no "the password is in the system keyring"
    for form in (PASSWORD.encode(), base64.b64encode(PASSWORD.encode())):
        assert files_containing(tmp_path, form) == []
    assert ews_sim.operations() == []  # refused before asking Exchange


def test_account_login_with_a_keyring_chosen_on_purpose_says_which(
    ews_sim: EwsSimulator, tmp_path: Path
) -> None:
    env = clean_env(tmp_path)
    env.update(
        {ENV_VAR: "tests.keyring_file.FileKeyring"},
        FOCUSGUARD_TEST_KEYRING_FILE=str(tmp_path / "chosen.json"),
    )
    result = login(ews_sim, tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Signed in as {EMAIL}; the password is in the keyring you chose "
        "(tests.keyring_file.FileKeyring)."
    )
    assert files_containing(tmp_path, PASSWORD.encode()) == [tmp_path / "chosen.json"]


def test_the_demo_needs_no_keyring_at_all(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    env[ENV_VAR] = "keyring.backends.fail.Keyring"  # any keyring use would fail
    result = subprocess.run(
        [sys.executable, "-m", "focusguard", "demo", "--headless", "--duration", "3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "keyring" not in result.stderr.lower()
