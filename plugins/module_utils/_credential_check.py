# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The drift check's look at each declared user's stored credential: what ``_credential.assess`` finds in
the secret store (missing, unknown, rotation waiting or overdue, vendor registration not confirmed for the
current credential, last login failed) and, for ConnectWise, whether the stored key pair authenticates as
its member. Read-only: it never writes the store, and never retries a login that failed before."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError

CHECK_SPEC = dict(
    secret_store=dict(type="dict", no_log=False, options=dict(
        vault_url=dict(type="str", required=True),
        vault_token=dict(type="str", required=True, no_log=True),
        vault_mount=dict(type="str", default="secret"),
        vault_namespace=dict(type="str"),
        vault_validate_certs=dict(type="bool", default=True),
    )),
    max_credential_age_days=dict(type="int"),
    verify_api_keys=dict(type="bool", default=True),
)


class CredentialCheck:
    """Called by the engine for every declared user: ``check(provider, item, record) -> [finding]``."""

    def __init__(self, store, kind, max_age_days=None, verify_api_keys=True):
        self.store = store
        self.kind = kind
        self.max_age_days = max_age_days
        self.verify_api_keys = verify_api_keys
        self.standings = {}  # store path -> the credential's standing (the fleet report's ages and due dates)

    @classmethod
    def from_params(cls, params, kind):
        if not params.get("secret_store"):
            return None
        from ansible_collections.msp.psa.plugins.module_utils._secret_store import SecretStore
        s = params["secret_store"]
        store = SecretStore(s["vault_url"], s["vault_token"], s["vault_mount"], s.get("vault_namespace"),
                            s["vault_validate_certs"], check_mode=True)
        return cls(store, kind, params.get("max_credential_age_days"), params.get("verify_api_keys", True))

    def path(self, item):
        path = item.get("secret_store_path")
        if not path:
            return None
        mount = self.store.mount.strip("/") + "/"
        return path[len(mount):] if path.startswith(mount) else path

    def standing(self, item):
        """The standing of ``item``'s stored credential, once :meth:`__call__` has read it (else None)."""
        path = self.path(item)
        return self.standings.get(path) if path else None

    def __call__(self, provider, item, record):
        # imported here, not with this file: a drift check without a secret store never needs it (its modules
        # compile every module_util they import, on every run)
        from ansible_collections.msp.psa.plugins.module_utils._credential import assess, standing

        path = self.path(item)
        if path is None or item.get("state") == "absent":
            return []
        stored = self.store.read_record(path)
        vendors = [item["profile"]] if item.get("profile") else None
        self.standings[path] = dict(standing(self.kind, stored.data, stored.metadata, self.max_age_days, vendors),
                                    path=path)
        out = [dict(f, step_elsewhere=True) for f in assess(self.kind, stored.data, stored.metadata,
                                                            self.max_age_days, vendors)]
        data = stored.data or {}
        if (self.kind == "connectwise" and self.verify_api_keys and record is not None
                and data.get("public_key") and data.get("private_key")
                and not any(f["field"] in ("login", "credential") for f in out)):
            state, detail = provider.verify_key_pair(item["identifier"], data["public_key"], data["private_key"])
            if state != "valid":
                out.append({"field": "api_key", "want": "authenticates as %s" % item["identifier"], "have": state,
                            "fix": "ui", "detail": detail, "step_elsewhere": True})
        return out


def verify_key_pair(client, identifier, public_key, private_key):
    """One request as the member (``system/mySecurity``): ``(state, detail)``, state ``valid``, ``invalid``
    (refused) or ``wrong_member``. Used by the drift check; the key pair is never returned or logged."""
    member_client = client.as_member(public_key, private_key)
    try:
        settings = member_client.list("system/mySecurity")
    except PSAError as exc:
        if exc.kind != "credentials":
            raise
        return "invalid", exc.message
    member = ((settings[0] if settings else {}).get("member") or {}).get("identifier")
    if member is None or member.lower() != identifier.lower():
        return "wrong_member", "The stored pair authenticates as %s, not %s." % (member, identifier)
    return "valid", None
