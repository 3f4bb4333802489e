"""A private PostgreSQL server on loopback for the sync tests, the benchmark and demos.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user in a
temporary folder it owns; otherwise as the current user. Never used by the app itself.

It runs the way the IT guide tells an agency to run theirs: TLS on (a CA and a server
certificate made here, the server's for ``127.0.0.1`` and ``localhost``), every TCP connection
over TLS, operators by SCRAM password or by client certificate (CN = role, the members of
``desk_cert_login``), plain TCP refused by ``pg_hba.conf``; a deployment role
(:data:`DEPLOYER`) owns each database it makes. The cluster's superuser talks only over the
Unix socket, as the test harness's own back door.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]

DEPLOYER = "desk_deploy"  # the deployment role: owns the schema, runs migrations
DEPLOYER_PASSWORD = "deploy-secret"
CERT_GROUP = "desk_cert_login"  # members sign in with a client certificate instead of a password

HBA = f"""\
local   all  all                        trust
hostssl all  +{CERT_GROUP}  127.0.0.1/32  cert
hostssl all  all            127.0.0.1/32  scram-sha-256
host    all  all            127.0.0.1/32  reject
host    all  all            ::1/128       reject
"""


class PostgresMissing(RuntimeError):
    pass


def _bin(name: str) -> str:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    raise PostgresMissing(
        f"PostgreSQL's {name} was not found (looked in {', '.join(map(str, BIN_DIRS))} and PATH): "
        "install the Debian package `postgresql` (scripts/setup.sh test does it)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestCA:
    """A certificate authority made for one test server: signs its certificate and clients'."""

    def __init__(self, folder: Path) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "desk_app test CA")])
        self._name = name
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
            .sign(self._key, _sha256())
        )
        self.cert_file = folder / "root.crt"
        self.cert_file.write_bytes(_pem(self.cert))

    def issue(self, common_name: str, stem: str, server: bool = False) -> tuple[Path, Path]:
        """A certificate and key signed by this CA; returns their files (key 0600)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        else:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False
            )
        cert = builder.sign(self._key, _sha256())
        cert_file, key_file = self.folder / f"{stem}.crt", self.folder / f"{stem}.key"
        cert_file.write_bytes(_pem(cert))
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        return cert_file, key_file


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def _pem(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(cert.public_bytes(serialization.Encoding.PEM))


class PrivatePostgres:
    """Start with :meth:`start`, make databases with :meth:`create_database`, :meth:`stop` at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")
        self.ca: TestCA | None = None
        self.passwords: dict[str, str] = {DEPLOYER: DEPLOYER_PASSWORD}

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    def _server_tls(self) -> str:
        """The CA, the server's certificate (owned by the server's user) and the options."""
        self.ca = TestCA(self.root / "tls")
        cert, key = self.ca.issue("127.0.0.1", "server", server=True)
        os.chmod(self.ca.folder, 0o755)
        if self.as_root:
            for path in (cert, key):
                shutil.chown(path, "postgres", "postgres")
        return (
            f"-c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key} "
            f"-c ssl_ca_file={self.ca.cert_file} -c password_encryption=scram-sha-256"
        )

    def start(self) -> PrivatePostgres:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        os.chmod(self.root, 0o755)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            initdb, "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-sync"
        )
        (self.data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        if self.as_root:
            shutil.chown(self.data / "pg_hba.conf", "postgres", "postgres")
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=80 "
            f"{self._server_tls()}"
        )
        self._run(
            pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts, "-w", "start"
        )
        self._admin_exec(
            f"CREATE ROLE {DEPLOYER} LOGIN CREATEROLE PASSWORD '{DEPLOYER_PASSWORD}'; "
            f"CREATE ROLE {CERT_GROUP} NOLOGIN"
        )
        return self

    @property
    def root_cert(self) -> Path:
        assert self.ca is not None, "start the server first"
        return self.ca.cert_file

    def url(
        self,
        database: str,
        user: str | None = None,
        *,
        password: str | None = None,
        sslmode: str = "verify-full",
        cert: tuple[Path, Path] | None = None,
    ) -> str:
        """A TLS URL (verify-full against the test CA) for ``user`` (default: the deployment
        role), with the password this server gave the role unless ``password`` says otherwise."""
        user = user or DEPLOYER
        secret = password if password is not None else self.passwords.get(user, "")
        auth = quote(user, safe="") + (f":{quote(secret, safe='')}" if secret and not cert else "")
        query = f"sslmode={sslmode}&sslrootcert={self.root_cert}"
        if cert:
            query += f"&sslcert={cert[0]}&sslkey={cert[1]}"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}?{query}"

    def superuser_url(self, database: str) -> str:
        """The harness's back door: the cluster superuser over the Unix socket."""
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.root}&port={self.port}"

    def add_login(self, role: str, *, password: str | None = None, cert: bool = False) -> None:
        """A login role for one operator: SCRAM with ``password``, or a client certificate."""
        ident = '"' + role.replace('"', '""') + '"'
        sql = f"CREATE ROLE {ident} LOGIN"
        if password:
            sql += " PASSWORD '" + password.replace("'", "''") + "'"
            self.passwords[role] = password
        if cert:
            sql += f" IN ROLE {CERT_GROUP}"
        self._admin_exec(sql)

    def client_cert(self, role: str) -> tuple[Path, Path]:
        """A client certificate for ``role`` (CN = role), signed by the test CA."""
        assert self.ca is not None, "start the server first"
        return self.ca.issue(role, f"client-{uuid.uuid4().hex[:8]}")

    def _admin_exec(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.root), port=self.port, user=self.user, dbname=database, autocommit=True
        ) as conn:
            for _ in range(50):
                try:
                    conn.execute(sql)
                    return
                except psycopg.errors.ObjectInUse:  # template busy for a moment after use
                    time.sleep(0.1)
            conn.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        """Create an empty (or ``template``-copied) database owned by the deployment role."""
        name = f"db_{uuid.uuid4().hex[:12]}"
        self._admin_exec(
            f"CREATE DATABASE {name} OWNER {DEPLOYER}"
            + (f" TEMPLATE {template}" if template else "")
        )
        return name

    def drop_database(self, name: str) -> None:
        self._admin_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
