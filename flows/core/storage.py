"""Storage roots at fsspec URLs: the local directories are working copies, the URLs the durable copies.

``FAZHI_RAW_URL``, ``FAZHI_WAREHOUSE_URL`` and ``FAZHI_RELEASES_URL`` (``Settings.raw_url`` ...) may
name any fsspec URL (``s3://bucket/fazhi/raw``, ``gs://...``, ``file:///data/raw``). The pipeline
itself keeps working on local directories, because DuckDB files, ``flock`` locks, atomic renames
and append-only manifests need a POSIX filesystem; each stage pulls what it reads before it runs
and pushes what it wrote after it succeeded (``stages.py``). With no URL set, ``pull`` and ``push``
return at once and fsspec is never imported.

What moves (see docs/STORAGE.md):

* ``raw/objects/`` and the files of a published release version (``releases/<year>/<version>/``)
  never change once written: they are copied only when the other side lacks them. A release file
  that exists remotely with other bytes is refused, never overwritten.
* every other file (manifest, registry, staged documents, Parquet, DuckDB, fingerprint, release
  pointers) is copied when it changed. "Changed" is decided with a small state file per working copy
  (``.fazhi-sync.json``): for each file, the remote listing entry (size, etag or mtime ...) and the
  content digest at the last sync, plus the local size/mtime of the digest it last computed. Pull
  takes a remote file that changed since the last sync (the URL is the truth at the start of a run);
  push sends a local file whose digest differs from the one the remote had.
* the manifest is append-only, so a pull merges instead of replacing: the remote rows, then local
  rows the remote lacks (a run that ended before its push). It is pushed after the objects, so a
  remote row never names a missing object. Release pointers (``latest.json``, ``index.html``) go
  after the version files they point to.
* a registry (``sources.yaml``) edited locally since the last sync while the remote one changed too
  is a conflict (UserError); edited locally only, it is kept and pushed.
* warehouse files that a load removed (a report year's Parquet partition) are removed remotely too.

Hidden files (locks, temp files, this state) are not synced, except the load's fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flows.core import layout
from flows.core.atomic import TEMP_PREFIX, write_atomic
from flows.core.errors import UserError
from flows.core.progress import Progress

ROOTS = ("raw", "warehouse", "releases")
ENV_VARS = {"raw": "FAZHI_RAW_URL", "warehouse": "FAZHI_WAREHOUSE_URL", "releases": "FAZHI_RELEASES_URL"}
CACHE_DIR = ".storage-cache"  # under the data root: default working copies of roots that have a URL
STATE_NAME = ".fazhi-sync.json"
CHUNK_FILES = 200  # files per transfer call, and per progress line

# Backends fsspec knows by name but does not ship, and the package that provides each.
BACKEND_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "oss": "ossfs",
    "hf": "huggingface_hub",
    "webdav": "webdav4",
    "sftp": "paramiko",
    "ssh": "paramiko",
    "http": "aiohttp requests",
    "https": "aiohttp requests",
}

# The variables each backend reads its credentials from (named in credential errors; docs/STORAGE.md).
CREDENTIAL_VARS = {
    "s3": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
    "s3a": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
    "gs": "GOOGLE_APPLICATION_CREDENTIALS",
    "gcs": "GOOGLE_APPLICATION_CREDENTIALS",
    "az": "AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY)",
    "abfs": "AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY)",
    "abfss": "AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY)",
}
# Packages whose exceptions are the remote's answer (no credentials, a refused signature ...), not
# a bug here: they become one-line user errors like an OSError does.
_BACKEND_MODULES = ("botocore", "aiobotocore", "s3fs", "gcsfs", "google", "adlfs", "azure", "fsspec", "aiohttp")
_CREDENTIAL_WORDS = re.compile(
    r"credential|signature|access ?key|accessdenied|access denied|forbidden|unauthori[sz]ed|token", re.I
)

_RELEASE_VERSION_FILE = re.compile(r"^\d{4}/\d{4}\.\d+/")
_LAST = {
    "raw": (layout.LISTINGS_MANIFEST, layout.MANIFEST),
    "warehouse": (layout.LOAD_FINGERPRINT,),
    "releases": (layout.LATEST, layout.INDEX_PAGE),
}


def working_dir(root: Path, name: str, url: str | None) -> Path:
    """The local directory of storage root ``name`` under the data root: ``<root>/<name>``, or the
    working copy ``<root>/.storage-cache/<name>`` when the root has a URL."""
    return Path(root) / CACHE_DIR / name if url else Path(root) / name


@dataclass(frozen=True)
class Remote:
    name: str  # raw | warehouse | releases
    local: Path
    url: str
    fs: object  # fsspec.AbstractFileSystem
    path: str  # the URL's path as ``fs`` names it

    def remote_path(self, rel: str) -> str:
        return f"{self.path}/{rel}"

    def remote_url(self, rel: str) -> str:
        return f"{self.url}/{rel}"


def open_remote(settings, name: str) -> Remote | None:
    """The remote copy of storage root ``name`` (None when its URL is not set)."""
    if name not in ROOTS:
        raise ValueError(f"unknown storage root {name!r}")
    url = getattr(settings, f"{name}_url", None)
    if not url:
        return None
    fs, path = filesystem(url, ENV_VARS[name])
    remote = Remote(name, Path(getattr(settings, f"{name}_dir")), url.rstrip("/"), fs, path.rstrip("/"))
    if _is_local(fs) and Path(remote.path).resolve() == remote.local.resolve():
        raise UserError(
            f"{ENV_VARS[name]}={url} is the working copy itself ({remote.local}); point the URL elsewhere or unset it"
        )
    return remote


def filesystem(url: str, env_var: str):
    """``(fs, path)`` for ``url``, or a UserError naming the variable, the URL and what to install."""
    import fsspec

    protocol = url.split("://", 1)[0].lower() if "://" in url else "file"
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError:
        package = BACKEND_PACKAGES.get(protocol, f"the fsspec backend for {protocol}://")
        raise UserError(
            f"{env_var}={url}: the {protocol}:// storage backend is not installed; pip install {package}"
        ) from None
    except ValueError as exc:
        if protocol not in fsspec.available_protocols():
            raise UserError(
                f"{env_var}={url}: unknown storage protocol {protocol!r} "
                f"(use an fsspec URL such as s3://bucket/path, gs://..., file:///path)"
            ) from None
        raise UserError(f"{env_var}={url}: {exc}") from None
    except (TypeError, OSError) as exc:
        raise UserError(f"{env_var}={url}: cannot open the storage backend: {exc}") from None


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


# -- which files, and how they compare ----------------------------------------------------------


def is_synced(rel: str) -> bool:
    """Durable files only: no lock, temp file, sync state or DuckDB write-ahead log."""
    if rel == layout.LOAD_FINGERPRINT:
        return True
    return not any(part.startswith(".") for part in rel.split("/")) and not rel.endswith(".wal")


def is_immutable(name: str, rel: str) -> bool:
    """Files that never change once written: archived objects, files of a published version."""
    if name == "raw":
        return rel.startswith("objects/")
    return name == "releases" and bool(_RELEASE_VERSION_FILE.match(rel))


def _token(entry: dict) -> str:
    """What identifies one version of a remote file in a listing (size, etag, mtime ..., whatever
    the backend reports); a rewrite changes it."""
    return json.dumps({key: str(value) for key, value in sorted(entry.items()) if key != "name"})


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _complete_lines(data: bytes) -> list[bytes]:
    return data[: data.rfind(b"\n") + 1].splitlines(keepends=True)


def merge_manifest(remote: bytes, local: bytes) -> bytes:
    """The remote manifest's rows, then the local rows it lacks (in their order). A torn last line
    on either side is left out."""
    rows = _complete_lines(remote)
    seen = set(rows)
    return b"".join(rows + [row for row in _complete_lines(local) if row not in seen])


class _State:
    """What the last sync saw: ``remote[rel] = [listing token, sha256]`` and ``local[rel] = [size,
    mtime_ns, sha256]`` (so an unchanged local file is not hashed again)."""

    def __init__(self, remote: Remote):
        self.path = remote.local / STATE_NAME
        self.url = remote.url
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            saved = {}
        same = saved.get("url") == remote.url
        self.remote: dict[str, list] = saved.get("remote", {}) if same else {}
        self.local: dict[str, list] = saved.get("local", {}) if same else {}

    def local_sha(self, local_dir: Path, rel: str) -> str | None:
        try:
            stat = (local_dir / rel).stat()
        except FileNotFoundError:
            self.local.pop(rel, None)
            return None
        known = self.local.get(rel)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        sha = _sha256(local_dir / rel)
        self.local[rel] = [stat.st_size, stat.st_mtime_ns, sha]
        return sha

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"url": self.url, "remote": self.remote, "local": self.local}
        write_atomic(self.path, json.dumps(payload, sort_keys=True).encode("utf-8"), suffix=".json", fsync=False)


def _listing(remote: Remote) -> dict[str, dict]:
    """Synced remote files: relative path -> listing entry."""
    remote.fs.invalidate_cache(remote.path)
    try:
        found = remote.fs.find(remote.path, detail=True, withdirs=False)
    except FileNotFoundError:
        return {}
    except Exception as exc:
        if not _is_backend_error(exc):
            raise
        raise _transfer_error(remote, "listing", exc) from None
    prefix = remote.path + "/"
    files = {}
    for name, entry in found.items():
        rel = name[len(prefix) :] if name.startswith(prefix) else None
        if rel and entry.get("type", "file") == "file" and is_synced(rel):
            files[rel] = entry
    return files


def _local_files(local_dir: Path) -> list[str]:
    found = []
    for directory, subdirs, names in os.walk(local_dir):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        base = Path(directory).relative_to(local_dir).as_posix()
        for name in names:
            rel = name if base == "." else f"{base}/{name}"
            if is_synced(rel):
                found.append(rel)
    return sorted(found)


def _chunks(items: list, size: int = CHUNK_FILES) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _say(progress: Progress, verb: str, remote: Remote, done: int, total: int) -> None:
    if progress and total > CHUNK_FILES:
        progress(f"storage: {verb} {remote.name}/ {done}/{total} files ({remote.url})")


def _is_backend_error(exc: Exception) -> bool:
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in _BACKEND_MODULES


def _transfer_error(remote: Remote, action: str, exc: Exception) -> UserError:
    """One line naming the root's variable, its URL, what failed and, for a refused or missing
    credential, the variables the backend reads credentials from."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, OSError):
        detail = f"{type(exc).__name__}: {detail}"
    message = f"{ENV_VARS[remote.name]}={remote.url}: {action} failed: {detail}"
    protocol = remote.url.split("://", 1)[0].lower()
    if protocol in CREDENTIAL_VARS and (
        isinstance(exc, PermissionError) or _CREDENTIAL_WORDS.search(f"{type(exc).__name__} {detail}")
    ):
        message += f" (check the credentials: {CREDENTIAL_VARS[protocol]})"
    return UserError(message)


# -- pull -----------------------------------------------------------------------------------------


def pull(settings, name: str, progress: Progress = None) -> dict:
    """Bring the working copy of root ``name`` up to date with its URL before a stage reads it.
    Returns ``{"pulled": files copied down}`` (``{}`` when the root has no URL)."""
    remote = open_remote(settings, name)
    if remote is None:
        return {}
    state = _State(remote)
    listing = _listing(remote)
    if not listing and name == "raw" and _seed(settings, remote, progress):
        return {"pulled": 0}
    wanted = []
    for rel, entry in sorted(listing.items()):
        present = (remote.local / rel).exists()
        if is_immutable(name, rel):
            if not present:
                wanted.append(rel)
        elif not present or state.remote.get(rel, [None])[0] != _token(entry):
            wanted.append(rel)
    remote.local.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}sync-", dir=remote.local))
    try:
        done = 0
        for chunk in _chunks(wanted):
            temps = [incoming / str(done + i) for i in range(len(chunk))]
            try:
                remote.fs.get([remote.remote_path(rel) for rel in chunk], [str(t) for t in temps])
            except Exception as exc:
                if not _is_backend_error(exc):
                    raise
                raise _transfer_error(remote, "download", exc) from None
            for rel, temp in zip(chunk, temps):
                _settle(remote, state, rel, temp, _token(listing[rel]))
            done += len(chunk)
            _say(progress, "pulled", remote, done, len(wanted))
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    state.save()
    if progress and wanted:
        progress(f"storage: pulled {len(wanted)} file(s) of {name}/ from {remote.url}")
    return {"pulled": len(wanted)}


def _seed(settings, remote: Remote, progress: Progress) -> bool:
    """An empty archive URL is seeded from the data root's own ``raw/`` (a checkout's embedded
    archive, or one built before the URL was set): its files are copied into the working copy and
    pushed at once, so that every later command and every Dask worker finds them at the URL. Only
    ``raw/``: warehouse/ and releases/ are outputs, and an empty URL for them simply starts empty."""
    seed = working_dir(settings.root, "raw", None)
    if not (seed / layout.REGISTRY).is_file() or seed.resolve() == remote.local.resolve():
        return False
    files = _local_files(seed)
    if progress:
        progress(f"storage: {ENV_VARS['raw']}={remote.url} is empty; seeding it from {seed} ({len(files)} files)")
    for rel in files:
        target = remote.local / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(seed / rel, target)
    push(settings, "raw", progress)
    return True


def _settle(remote: Remote, state: _State, rel: str, temp: Path, token: str) -> None:
    """Put a downloaded file in place (or merge it, or keep the local one when equal)."""
    target = remote.local / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_immutable(remote.name, rel):
        os.replace(temp, target)
        if remote.name == "releases":  # known to match, so the next push need not compare it
            state.remote[rel] = [token, state.local_sha(remote.local, rel)]
        return
    remote_sha = _sha256(temp)
    local_sha = state.local_sha(remote.local, rel)
    known = state.remote.get(rel)
    if local_sha is None or local_sha == remote_sha:
        os.replace(temp, target)
    elif remote.name == "raw" and rel in (layout.MANIFEST, layout.LISTINGS_MANIFEST):  # both append-only
        write_atomic(target, merge_manifest(temp.read_bytes(), target.read_bytes()), suffix=".jsonl")
    elif remote.name == "raw" and rel == layout.REGISTRY and known and local_sha != known[1]:
        raise UserError(
            f"{target} was edited here and {remote.remote_url(rel)} changed too since the last "
            f"sync; keep one: copy yours over the remote one, or delete yours to take the remote's"
        )
    else:
        os.replace(temp, target)
    state.remote[rel] = [token, remote_sha]
    state.local_sha(remote.local, rel)


@contextmanager
def synced(settings, *, reads: tuple[str, ...], writes: tuple[str, ...], progress: Progress = None):
    """Around a stage: pull the roots it reads before it runs, push the roots it wrote once it has
    succeeded (a stage that raises pushes nothing). Without URLs, nothing happens."""
    for name in reads:
        pull(settings, name, progress)
    yield
    for name in writes:
        push(settings, name, progress)


# -- push -----------------------------------------------------------------------------------------


def push(settings, name: str, progress: Progress = None) -> dict:
    """Copy what a stage wrote in the working copy of root ``name`` up to its URL. Returns
    ``{"pushed": files copied up, "removed": remote files removed}`` (``{}`` without a URL)."""
    remote = open_remote(settings, name)
    if remote is None:
        return {}
    state = _State(remote)
    listing = _listing(remote)
    local_files = _local_files(remote.local) if remote.local.is_dir() else []
    new_immutable, changed = [], []
    for rel in local_files:
        if is_immutable(name, rel):
            if rel not in listing:
                new_immutable.append(rel)
            elif name == "releases":
                _check_release_file(remote, state, rel, listing[rel])
            continue
        sha = state.local_sha(remote.local, rel)
        if rel not in listing or state.remote.get(rel) != [_token(listing[rel]), sha]:
            changed.append(rel)
    last = [rel for rel in changed if rel in _LAST[name]]
    uploads = new_immutable + [rel for rel in changed if rel not in last] + sorted(last, key=_LAST[name].index)
    done = 0
    for chunk in _chunks(uploads):
        _upload(remote, chunk)
        done += len(chunk)
        _say(progress, "pushed", remote, done, len(uploads))
    removed = _remove_deleted(remote, state, listing, set(local_files)) if name == "warehouse" else 0
    recorded = changed + (new_immutable if name == "releases" else [])
    if recorded:
        after = _listing(remote)
        for rel in recorded:
            if rel in after:
                state.remote[rel] = [_token(after[rel]), state.local_sha(remote.local, rel)]
    if remote.local.is_dir():
        state.save()
    if progress and (uploads or removed):
        progress(
            f"storage: pushed {len(uploads)} file(s) of {name}/ to {remote.url}"
            + (f", removed {removed}" if removed else "")
        )
    return {"pushed": len(uploads), "removed": removed}


def _upload(remote: Remote, rels: list[str]) -> None:
    """One file's remote write is atomic: object stores replace whole objects; on a local
    filesystem the file is written under a hidden temp name and renamed."""
    sources = [str(remote.local / rel) for rel in rels]
    targets = [remote.remote_path(rel) for rel in rels]
    try:
        if not _is_local(remote.fs):
            remote.fs.put(sources, targets)
            return
        for source, target in zip(sources, targets):
            parent, base = target.rsplit("/", 1)
            remote.fs.makedirs(parent, exist_ok=True)
            temp = f"{parent}/{TEMP_PREFIX}sync-{os.getpid()}-{base}"
            remote.fs.put_file(source, temp)
            remote.fs.mv(temp, target)
    except Exception as exc:
        if not _is_backend_error(exc):
            raise
        raise _transfer_error(remote, "upload", exc) from None


def _check_release_file(remote: Remote, state: _State, rel: str, entry: dict) -> None:
    """A published file that the remote holds already must hold the same bytes there."""
    sha = state.local_sha(remote.local, rel)
    token = _token(entry)
    if state.remote.get(rel) == [token, sha]:
        return
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}sync-", dir=remote.local) as scratch:
        copy = Path(scratch) / "remote"
        try:
            remote.fs.get_file(remote.remote_path(rel), str(copy))
        except Exception as exc:
            if not _is_backend_error(exc):
                raise
            raise _transfer_error(remote, "download", exc) from None
        if _sha256(copy) != sha:
            raise UserError(
                f"{remote.remote_url(rel)} already exists with other bytes than {remote.local / rel}; "
                f"a published release is never rewritten (another machine published this version? "
                f"remove the local {Path(rel).parent} and publish again)"
            )
    state.remote[rel] = [token, sha]


def _remove_deleted(remote: Remote, state: _State, listing: dict, local: set[str]) -> int:
    """Remote files this machine synced before and has deleted since (a Parquet partition a load
    dropped)."""
    gone = sorted(rel for rel in state.remote if rel not in local and rel in listing)
    for rel in gone:
        try:
            remote.fs.rm_file(remote.remote_path(rel))
        except Exception as exc:
            if not _is_backend_error(exc):
                raise
            raise _transfer_error(remote, "remove", exc) from None
    for rel in [rel for rel in state.remote if rel not in local]:
        del state.remote[rel]
    return len(gone)
