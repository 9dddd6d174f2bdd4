"""Screenshots of the first-run wizard (every page, both account kinds) and Settings →
Account, against the simulators, into docs/screenshots/. Run under a display server:

    xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python tools/account_screenshots.py

The Graph simulator stands in for login.microsoftonline.com (the real msal device-code flow;
the script plays the person entering the code), the EWS simulator for the Exchange server.
A scratch FOCUSGUARD_HOME and keyring keep the developer's own settings out of it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
SCRATCH = Path(tempfile.mkdtemp(prefix="fg-shots-"))
os.environ["FOCUSGUARD_HOME"] = str(SCRATCH / "home")
os.environ["XDG_CONFIG_DIRS"] = str(SCRATCH / "xdg")
# An in-memory keyring, chosen on purpose (focusguard/secrets.py accepts only that way).
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_memory.MemoryKeyring"
sys.path.insert(0, str(REPO))


def main() -> int:
    import keyring
    from PySide6.QtWidgets import QApplication, QWidget, QWizard

    from focusguard.app.backends import SimulatedServer, simulator_account
    from focusguard.app.setup import SettingsFile
    from focusguard.sim.ews import EwsSimulator
    from focusguard.sim.graph import GraphSimulator
    from focusguard.ui.settings_dialog import SettingsDialog
    from focusguard.ui.wizard import FirstRunWizard
    from tests.keyring_memory import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # nothing lands in a real keyring
    qt = QApplication.instance() or QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)

    def settle(until: Callable[[], bool] = lambda: True, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            qt.processEvents()
            if until():
                break
            if time.monotonic() > deadline:
                texts = [w.text() for w in qt.allWidgets() if callable(getattr(w, "text", None))]
                raise SystemExit(f"timed out waiting for the window: {texts}")
            time.sleep(0.02)
        for _ in range(5):
            qt.processEvents()
            time.sleep(0.02)

    def shot(widget: QWidget, name: str) -> None:
        settle()
        widget.grab().save(str(OUT / name))
        print("wrote", OUT / name)

    def nxt(wizard: QWizard) -> None:
        wizard.button(QWizard.WizardButton.NextButton).click()
        settle()

    managed = SCRATCH / "managed.toml"
    managed.write_text(
        '[account]\nkind = "graph"\nclient_id = "5f1c2a3b-0d3e-4d3e-9d3e-00000000c1d0"\n'
        '[managed]\nlocked = ["account.client_id"]\n',
        encoding="utf-8",
    )
    graph = GraphSimulator().start()
    ews = EwsSimulator(password="pw1").start()  # noqa: S106 - the simulator's password
    try:
        # -- Microsoft 365, with the organisation's managed file -------------------------
        os.environ["FOCUSGUARD_MANAGED"] = str(managed)
        server = SimulatedServer("graph", graph.url)
        wizard = FirstRunWizard(SettingsFile(SCRATCH / "m365.toml", server=server))
        wizard.resize(720, 560)
        wizard.show()
        wizard.email_page.email.setText("me@corp.example")
        shot(wizard, "wizard-1-email.png")
        nxt(wizard)
        settle(lambda: wizard.currentPage() is wizard.microsoft_page)
        shot(wizard, "wizard-m365-2-sign-in.png")
        sign_in = wizard.microsoft_page.sign_in
        sign_in.code_button.click()
        settle(lambda: "devicelogin" in sign_in.status.text())
        shot(wizard, "wizard-m365-3-code.png")
        graph.login.approve_device()
        settle(wizard.microsoft_page.isComplete)
        shot(wizard, "wizard-m365-4-signed-in.png")
        nxt(wizard)
        shot(wizard, "wizard-5-people.png")
        nxt(wizard)
        shot(wizard, "wizard-6-check-ins.png")
        nxt(wizard)
        settle(wizard.test_page.isComplete)
        shot(wizard, "wizard-m365-7-test.png")
        wizard.close()

        # -- a refused sign-in: the admin-consent message --------------------------------
        del os.environ["FOCUSGUARD_MANAGED"]
        wizard = FirstRunWizard(SettingsFile(SCRATCH / "refused.toml", server=server))
        wizard.resize(720, 560)
        wizard.show()
        wizard.email_page.email.setText("me@corp.example")
        nxt(wizard)
        settle(lambda: wizard.currentPage() is wizard.microsoft_page)
        wizard.microsoft_page.client_id.setText("5f1c2a3b-0d3e-4d3e-9d3e-00000000c1d0")
        graph.login.refuse("admin_consent_required")
        wizard.microsoft_page.sign_in.code_button.click()
        settle(lambda: bool(graph.login.pending_user_codes()))
        graph.login.approve_device()
        settle(lambda: "approve" in wizard.microsoft_page.sign_in.status.text())
        shot(wizard, "wizard-m365-error-admin-consent.png")
        graph.login.refuse(None)
        wizard.close()

        # -- on-premises Exchange ---------------------------------------------------------
        wizard = FirstRunWizard(SettingsFile(SCRATCH / "ews.toml"))
        wizard.resize(720, 560)
        wizard.show()
        wizard.email_page.email.setText("me@corp.example")
        wizard.email_page.exchange.setChecked(True)
        nxt(wizard)
        form = wizard.exchange_page.form
        form.autodiscover.setChecked(False)
        form.server_url.setText("https://outlook.office365.com/EWS/Exchange.asmx")
        shot(wizard, "wizard-ews-2-office365-warning.png")
        form.server_url.setText(ews.url)
        form.auth.setCurrentIndex(form.auth.findData("basic"))
        form.password.setText("pw1")
        shot(wizard, "wizard-ews-2-server.png")
        nxt(wizard)
        nxt(wizard)
        nxt(wizard)
        settle(wizard.test_page.isComplete)
        shot(wizard, "wizard-ews-5-test.png")
        wizard.close()

        # -- Settings → Account -----------------------------------------------------------
        config = SCRATCH / "settings.toml"
        config.write_text(simulator_account("graph", graph.url), encoding="utf-8")
        os.environ["FOCUSGUARD_MANAGED"] = str(managed)
        dialog = SettingsDialog(SettingsFile(config, server=server))
        dialog.resize(720, 640)
        dialog.show()
        dialog.test_button.click()
        settle(lambda: dialog.test_button.isEnabled())
        shot(dialog, "settings-account-m365.png")
        dialog.close()
        del os.environ["FOCUSGUARD_MANAGED"]
        config.write_text(simulator_account("ews", ews.url), encoding="utf-8")
        dialog = SettingsDialog(SettingsFile(config, server=SimulatedServer("ews", ews.url, "pw1")))
        dialog.resize(720, 640)
        dialog.show()
        dialog.test_button.click()
        settle(lambda: dialog.test_button.isEnabled())
        shot(dialog, "settings-account-ews.png")
        dialog.close()
    finally:
        graph.stop()
        ews.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
