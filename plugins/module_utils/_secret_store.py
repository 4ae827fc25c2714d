# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The secret store of record: HashiCorp Vault / OpenBao KV v2 through hvac. Values never leave this
layer except to the caller that asked for them; metadata (who, where, when, registration state) is kept
in the secret's custom metadata. Check mode reads and predicts, never writes.

Writes that must not be lost or doubled are one KV v2 data write with check-and-set (``cas`` = the
version that was read): :meth:`SecretStore.read_record` returns the version, :meth:`SecretStore.write_data`
raises :class:`StoreConflict` when another writer got there first. Custom metadata cannot be written in
the same request, so callers keep their state of record in the data and use the metadata as a mirror."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import datetime
import hashlib
import importlib.util
import secrets
import string

from ansible.module_utils.basic import env_fallback

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError

# hvac is imported when a SecretStore is first built, not with this file: every module that reads this file's
# helpers (the drift check's modules, through _credential) would otherwise pay for hvac and requests (about
# 60 ms of CPU per module run) even when no secret store is configured.
HAS_HVAC = importlib.util.find_spec("hvac") is not None
HVAC_IMPORT_ERROR = None if HAS_HVAC else "ImportError: No module named 'hvac'"

STORE_SPEC = dict(
    vault_url=dict(type="str", required=True, fallback=(env_fallback, ["VAULT_ADDR"])),
    vault_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["VAULT_TOKEN"])),
    vault_mount=dict(type="str", default="secret"),
    vault_namespace=dict(type="str", fallback=(env_fallback, ["VAULT_NAMESPACE"])),
    vault_validate_certs=dict(type="bool", default=True),
)
ALPHANUMERIC = string.ascii_letters + string.digits


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def age_days(stamp):
    try:
        then = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None
    return (datetime.datetime.now(datetime.timezone.utc) - then).total_seconds() / 86400.0


def generate_secret(length=25):
    """Autotask's rules: letters and digits, both present; 25 characters by default (the UI's Generate)."""
    if length < 8:
        raise PSAError("secret_length must be at least 8.", kind="invalid_input")
    while True:
        value = "".join(secrets.choice(ALPHANUMERIC) for dummy in range(length))
        if any(c.isalpha() for c in value) and any(c.isdigit() for c in value):
            return value


def fingerprint(*values):
    """A short hash to notice that a registered secret changed, without keeping another copy of it."""
    return hashlib.sha256("\0".join(v or "" for v in values).encode("utf-8")).hexdigest()[:16]


Record = collections.namedtuple("Record", ["data", "metadata", "version"])
"""One read of a KV v2 path: ``data`` (None when nothing is stored), ``metadata`` (the custom metadata,
a dict) and ``version`` (the current version, 0 when the path has none; the ``cas`` of the next write)."""


class StoreConflict(PSAError):
    """A check-and-set write lost: another writer changed the path after we read it."""

    def __init__(self, ref):
        super(StoreConflict, self).__init__("Secret store: another run is changing %s; run again." % ref,
                                            kind="store_conflict",
                                            fix="Another converge of this tenant wrote the same path at the same time; "
                                                "run again when it has finished (the tenant_lock module serialises runs).")
        self.ref = ref


def _is_cas_mismatch(exc):
    text = " ".join([str(exc)] + [str(e) for e in (getattr(exc, "errors", None) or [])])
    return "check-and-set" in text


def _hvac():
    """The hvac library, imported on first use (see HAS_HVAC)."""
    import hvac
    import hvac.exceptions
    return hvac


class SecretStore:
    def __init__(self, url, token, mount="secret", namespace=None, verify=True, check_mode=False, client=None):
        if client is None:
            try:
                if not HAS_HVAC:
                    raise ImportError(HVAC_IMPORT_ERROR)
                client = _hvac().Client(url=url, token=token, namespace=namespace, verify=verify)
            except ImportError:
                raise PSAError("The Python library hvac is required to use the secret store.", kind="dependency",
                               fix="pip install hvac (community.hashi_vault needs it too).")
        self.client = client
        self.mount = mount
        self.check_mode = check_mode
        self.url = url

    @classmethod
    def from_params(cls, params, check_mode=False):
        return cls(params["vault_url"], params["vault_token"], params["vault_mount"], params.get("vault_namespace"),
                   params["vault_validate_certs"], check_mode)

    def ref(self, path, field=None):
        return "%s/%s%s" % (self.mount, path, ("#" + field) if field else "")

    def _wrap(self, action, path, exc):
        kind = "store_permission" if isinstance(exc, _hvac().exceptions.Forbidden) else "store"
        return PSAError("Secret store: %s %s failed: %s" % (action, self.ref(path), type(exc).__name__), kind=kind,
                        fix="Check vault_url, vault_token (a token with read/write on %s) and vault_mount." % self.mount)

    def read(self, path):
        """(data, custom_metadata) or (None, {}) when the path holds nothing."""
        record = self.read_record(path)
        return record.data, record.metadata

    def read_record(self, path):
        """The latest version's data, the custom metadata and the version number (see :class:`Record`)."""
        errors = _hvac().exceptions
        try:
            resp = self.client.secrets.kv.v2.read_secret_version(path=path, mount_point=self.mount,
                                                                 raise_on_deleted_version=False)
        except errors.InvalidPath:
            return Record(None, {}, 0)
        except (errors.VaultError, IOError, OSError) as exc:
            raise self._wrap("reading", path, exc)
        data = (resp.get("data") or {}).get("data")
        version_meta = (resp.get("data") or {}).get("metadata") or {}
        return Record(data, dict(version_meta.get("custom_metadata") or {}), int(version_meta.get("version") or 0))

    def write_data(self, path, data, cas=None):
        """One KV v2 data write, the commit point of a change. With ``cas`` (the version read, 0 for a path
        that has none) it succeeds only if nobody wrote in between, else raises :class:`StoreConflict`.
        Returns the new version (None in check mode, which writes nothing)."""
        if self.check_mode:
            return None
        errors = _hvac().exceptions
        try:
            resp = self.client.secrets.kv.v2.create_or_update_secret(path=path, secret=data, cas=cas,
                                                                     mount_point=self.mount)
        except errors.InvalidRequest as exc:
            if cas is not None and _is_cas_mismatch(exc):
                raise StoreConflict(self.ref(path))
            raise self._wrap("writing", path, exc)
        except (errors.VaultError, IOError, OSError) as exc:
            raise self._wrap("writing", path, exc)
        try:
            return int(resp["data"]["version"])
        except (KeyError, TypeError, ValueError):
            return None

    def write(self, path, data, metadata, cas=None):
        """The data (the commit point, check-and-set when ``cas`` is given), then the metadata."""
        self.write_data(path, data, cas)
        self.update_metadata(path, metadata)

    def update_metadata(self, path, metadata):
        """Replace the custom metadata. Empty values are left out: KV v2 refuses a value of length 0 (a
        custom integration's ``vendor: ''`` made the whole write fail)."""
        if self.check_mode:
            return
        custom = dict((k, str(v)) for k, v in metadata.items() if v is not None and str(v) != "")
        try:
            self.client.secrets.kv.v2.update_metadata(path=path, mount_point=self.mount, custom_metadata=custom)
        except (_hvac().exceptions.VaultError, IOError, OSError) as exc:
            raise self._wrap("writing metadata of", path, exc)
