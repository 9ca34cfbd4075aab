"""Backups of everything Kinframe keeps: the database and the photo files, in one tar archive.

The archive holds `manifest.json` (what, when, from which schema, and a SHA-256 for every member),
the database (`database.sqlite3` made with SQLite's online backup API, which copies a consistent
snapshot while the service runs, or `database.pgdump` from `pg_dump --format=custom`) and every
file of the configured storage under `files/`, read through Django's storage API so a private
folder and an S3 bucket back up alike.

The database is copied first, then the files: a photo sent during the backup may have its files
in the archive without its row (harmless), never the reverse unless retention deletes a file in
between (run backups and `purge_expired_photos` at different hours).

Restore checks every member against the manifest before it changes anything, then replaces the
database and writes the files back under their own keys.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; nothing was changed by a restore that raises this."""


@dataclass
class BackupReport:
    path: Path
    database: str
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)


# --- reading the storage ---------------------------------------------------------------------------


def storage_names(prefix: str = "") -> Iterator[str]:
    """Every file name in the default storage, walking folders through the storage API."""
    directories, files = default_storage.listdir(prefix)
    for name in sorted(files):
        yield f"{prefix}{name}"
    for directory in sorted(directories):
        yield from storage_names(f"{prefix}{directory}/")


def referenced_names() -> set[str]:
    """File names the database points at (every FileField of every model)."""
    from django.apps import apps
    from django.db.models import FileField

    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, FileField):
                values = model._default_manager.exclude(**{model_field.name: ""}).values_list(
                    model_field.name, flat=True
                )
                names.update(value for value in values if value)
    return names


class _HashingReader(io.RawIOBase):
    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- the database ------------------------------------------------------------------------------------


def _postgres_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = {**os.environ}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (Debian: "
            f"postgresql-client, of the server's major version or newer)."
        )
    return path


def dump_database(target: Path) -> None:
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)  # a consistent snapshot, online
        finally:
            destination.close()
    elif vendor == "postgresql":
        subprocess.run(  # noqa: S603
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
            ],
            env=_postgres_env(),
            check=True,
            capture_output=True,
        )
    else:
        raise BackupError(f"Backups of a {vendor} database are not supported.")


def load_database(source: Path) -> None:
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        origin = sqlite3.connect(source)
        try:
            origin.backup(connection.connection)  # replaces every page of the live database
        finally:
            origin.close()
    elif vendor == "postgresql":
        connection.close()
        result = subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                "--single-transaction", "--exit-on-error", f"--dbname={_postgres_env()['PGDATABASE']}",
                str(source),
            ],
            env=_postgres_env(),
            capture_output=True,
            text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    else:
        raise BackupError(f"Restoring a {vendor} database is not supported.")


def _migration_state() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


# --- backup --------------------------------------------------------------------------------------------


def backup_create(*, path: Path) -> BackupReport:
    """Write a backup archive to `path` (`.tar`, or `.tar.gz` to compress the database)."""
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups of a {vendor} database are not supported.")
    database_member = DATABASE_MEMBERS[vendor]
    report = BackupReport(path=path, database=vendor)
    compress = path.name.endswith((".tar.gz", ".tgz"))
    partial = path.with_name(path.name + ".partial")
    members: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="kinframe-backup-") as scratch:
        dump = Path(scratch) / database_member
        dump_database(dump)
        migrations = _migration_state()
        with tarfile.open(partial, "w:gz") if compress else tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname=database_member)
            members[database_member] = {"sha256": _sha256_of(dump), "size": dump.stat().st_size}
            for name in storage_names():
                with default_storage.open(name, "rb") as stream:
                    info = tarfile.TarInfo(FILES_PREFIX + name)
                    info.size = default_storage.size(name)
                    info.mtime = int(timezone.now().timestamp())
                    reader = _HashingReader(stream)
                    archive.addfile(info, reader)
                members[FILES_PREFIX + name] = {
                    "sha256": reader.sha256.hexdigest(),
                    "size": info.size,
                }
                report.files += 1
                report.bytes += info.size
            stored = {member.removeprefix(FILES_PREFIX) for member in members}
            report.missing = sorted(referenced_names() - stored)
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": vendor, "member": database_member},
                "migrations": migrations,
                "members": members,
                "missing_files": report.missing,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
    partial.replace(path)  # a backup that failed half-way never looks like a good one
    return report


# --- restore -------------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    database: str
    files: int
    created_at: str
    migrations: dict[str, str]


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError as exc:
        raise BackupError("Not a Kinframe backup: the archive has no manifest.json.") from exc
    stream = archive.extractfile(member)
    if stream is None:
        raise BackupError("The manifest is not a file.")
    manifest = json.loads(stream.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _verify(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every member the manifest names is present with its digest, and nothing else is."""
    expected = dict(manifest["members"])
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile():
            raise BackupError(f"Unexpected member {member.name!r} in the archive.")
        stream = archive.extractfile(member)
        assert stream is not None
        digest = hashlib.sha256()
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != expected.pop(member.name)["sha256"]:
            raise BackupError(f"{member.name} is damaged (its SHA-256 does not match).")
    if expected:
        raise BackupError(
            f"The archive lacks {len(expected)} member(s), e.g. {next(iter(expected))}."
        )


def backup_restore(*, path: Path) -> RestoreReport:
    """Replace the database and write back every file from the archive at `path`."""
    with tarfile.open(path, "r:*") as archive:
        manifest = read_manifest(archive)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"This backup holds a {vendor} database; the configured database is "
                f"{connection.vendor}. Restore it into the same kind of database."
            )
        _verify(archive, manifest)
        with tempfile.TemporaryDirectory(prefix="kinframe-restore-") as scratch:
            member = manifest["database"]["member"]
            archive.extract(member, path=scratch, filter="data")
            load_database(Path(scratch) / member)
        files = 0
        for member_info in archive.getmembers():
            if not member_info.name.startswith(FILES_PREFIX):
                continue
            name = member_info.name.removeprefix(FILES_PREFIX)
            stream = archive.extractfile(member_info)
            assert stream is not None
            if default_storage.exists(name):
                default_storage.delete(name)
            saved = default_storage.save(name, File(stream, name=name))
            if saved != name:
                raise BackupError(f"The storage saved {name} as {saved}; check its settings.")
            files += 1
    return RestoreReport(
        database=vendor,
        files=files,
        created_at=manifest["created_at"],
        migrations=manifest["migrations"],
    )
