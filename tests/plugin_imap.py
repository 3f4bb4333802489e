"""Intake fixtures: a real Dovecot IMAP server on loopback, generated forms and faxes, a pipeline.

The IMAP server is started once per session from a config written into a temp folder (the
settings that work as root are in ../shared/FIELD-NOTES.md). If Dovecot is not installed the
fixture FAILS with the command that installs it: these tests never skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk_app.intake.pipeline import IntakeReport, no_hook
from desk_app.services.context import ServiceContext
from desk_app.services.queue.intake import IntakeService

FIXTURES = Path(__file__).parent / "intake" / "fixtures"
IMAP_USER = "intake"
IMAP_PASSWORD = "secret-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = yes
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{home}/Maildir
mail_privileged_group =
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={home}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int  # plain, offers STARTTLS
    user: str
    password: str
    base: Path
    tls_port: int = 0  # implicit TLS (imaps)

    @property
    def ca_file(self) -> Path:
        return self.base / "cert.pem"

    def ssl_context(self):  # trusts the throwaway certificate made for this session only
        import ssl

        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self):  # an imapclient connection for test set-up and checks
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )
    if binary is None:
        pytest.fail(
            "Dovecot is not installed: run scripts/setup.sh "
            "(apt-get install -y dovecot-imapd) before the intake tests",
            pytrace=False,
        )
    # not under pytest's tmp: that tree is mode 0700 and Dovecot's users must reach their files
    base = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))
    os.chmod(base, 0o755)
    home = base / "home"
    (home / "Maildir").mkdir(parents=True)
    for sub in ("run", "state"):
        (base / sub).mkdir()
    shutil.chown(home, "nobody", "nogroup")
    for folder in home.rglob("*"):
        shutil.chown(folder, "nobody", "nogroup")
    (base / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}::::::\n")
    _self_signed(base)
    port, tls_port = _free_port(), _free_port()
    conf = base / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(base=base, home=home, port=port, tls_port=tls_port))
    # dovecot forks into the background; its output goes to a file so nothing waits on a pipe
    with (base / "start.err").open("w") as err:
        code = subprocess.call(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=err, timeout=30
        )
    if code != 0:
        log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
        pytest.fail(
            f"Dovecot did not start: {(base / 'start.err').read_text()}\n{log}", pytrace=False
        )
    server = ImapServer("127.0.0.1", port, IMAP_USER, IMAP_PASSWORD, base, tls_port)
    _wait_until_listening(server)
    try:
        yield server
    finally:
        pid_file = base / "run" / "master.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
            time.sleep(0.3)
        shutil.rmtree(base, ignore_errors=True)


def _self_signed(folder: Path) -> None:
    """A throwaway certificate for 127.0.0.1 (cert.pem, key.pem) so TLS and STARTTLS are real."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(folder / "key.pem", 0o600)


def _wait_until_listening(server: ImapServer) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((server.host, server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(
        f"Dovecot did not listen on port {server.port}: "
        f"{(server.base / 'dovecot.log').read_text()}",
        pytrace=False,
    )


@pytest.fixture
def mailbox(imap_server: ImapServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty folder for one test (and its processed folder name)."""
    name = "T" + request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[:40]
    client = imap_server.client()
    for folder in (name, f"{name}-done"):
        if client.folder_exists(folder):
            client.delete_folder(folder)
    client.create_folder(name)
    client.logout()
    yield name


@pytest.fixture
def run_intake(ctx: ServiceContext) -> Callable[..., IntakeReport]:
    def run(*sources, hook=no_hook) -> IntakeReport:
        return IntakeService(ctx, hook=hook).run(list(sources))

    return run
