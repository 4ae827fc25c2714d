"""The lockout guard across runs (issue 13): a wrong credential in the store is tried once, the refusal is
recorded with its fingerprint in the store, and later scheduled converges do not try it again ("last login
failed at ..., not retried"), so the account is not locked; a changed credential is tried (once) again.
Autotask: a custom-integration API user (the one kind the PSA lets us log in as, through api_credential);
ConnectWise: an API member's key pair (connectwise_api_key)."""
import json

import pytest
import requests
import yaml

from psa_sandbox.openbao import OpenBao

from .test_adopt_existing import all_results, converge, fleet, kv, read, reports, seed_fleet

CUSTOM = {"inhouse": {"username": "inhouse01", "first_name": "In-house", "last_name": "Reporting",
                      "secret": "InHouseRightSecret2026ab", "code": "INHOUSECUSTOMTRACKING000001"}}
PROFILE = {"display_name": "In-house reporting", "autotask": {
    "username": "inhouse01", "first_name": "In-house", "last_name": "Reporting", "email_local": "inhouse01",
    "security_level": "API User (system)", "custom_integration": True,
    "registration": {"ui_path": "Reporting tool > Settings", "steps": ["Secret: the value stored at {secret_ref}."]}}}


@pytest.fixture(scope="module")
def bao():
    with OpenBao() as server:
        yield server


def requests_since(sandbox, since):
    return requests.get(sandbox.url + "/_sandbox/requests", params={"since": since}, timeout=10).json()["requests"]


def logins(sandbox, since, who):
    return [r for r in requests_since(sandbox, since) if (r.get("who") or "").lower() == who.lower()]


def test_a_wrong_stored_credential_is_tried_once_across_three_runs(sandbox, bao, tmp_path):
    seed, hosts, secrets = fleet("lock", n=2, custom=CUSTOM)
    seed_fleet(sandbox, seed)
    at, cw = "lock00", "lock01"
    hosts[at]["vendor_profiles"] = ["inhouse"]
    profiles_dir = tmp_path / "profiles"
    profiles_dir.mkdir()
    (profiles_dir / "inhouse.yml").write_text(yaml.safe_dump(PROFILE))
    # what an admin stored by mistake: a wrong secret (right tracking identifier), a key pair that is not the member's
    kv(bao).create_or_update_secret(path="msp/%s/autotask/inhouse" % at, mount_point="secret", secret={
        "secret": "InHouseWrongSecret2026ab", "integration_code": CUSTOM["inhouse"]["code"]})
    kv(bao).create_or_update_secret(path="msp/%s/connectwise/sync365" % cw, mount_point="secret", secret={
        "public_key": "WrongPub0000001", "private_key": "WrongPrivateKey000001"})
    at_user = "inhouse01@%s.example" % at
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]
    extra = {"vendor_profiles_dirs": [str(profiles_dir)]}  # the documented inventory variable

    runs = [converge(sandbox, bao, tmp_path, hosts, "run%d" % n, **extra) for n in range(3)]
    at_logins = logins(sandbox, mark, at_user)
    cw_logins = logins(sandbox, mark, "%s+WrongPub0000001" % cw)
    assert [r["status"] for r in at_logins] == [401], "exactly one Autotask login across three runs: %s" % at_logins
    assert [r["status"] for r in cw_logins] == [401], "exactly one ConnectWise login across three runs: %s" % cw_logins
    user = next(u for u in requests.get(sandbox.url + "/_sandbox/autotask/" + at, timeout=5).json()["resources"]
                if u["userName"] == at_user)
    assert user["credential"]["locked"] is False and user["credential"]["failedLogins"] == 1

    first = all_results(runs[0], "Keep each credential in the secret store")[at]["results"][0]
    assert first["login"]["attempted"] is True and first["login"]["outcome"] == "invalid"
    data, meta = read(bao, "msp/%s/autotask/inhouse" % at)
    assert meta["login_failed_fingerprint"] == data["_login_failed_fingerprint"] == first["fingerprint"]
    for later in runs[1:]:
        cred = all_results(later, "Keep each credential in the secret store")[at]["results"][0]
        assert cred["login"]["attempted"] is False and cred["login"]["outcome"] == "not_retried"
        assert cred["login"]["detail"] == "last login failed at %s, not retried" % meta["login_failed_at"]
        key = all_results(later, "Verify each stored key pair authenticates as its member")[cw]["results"][0]
        assert key["key_state"] == "not_retried" and key["login_attempted"] is False
        assert key["detail"].startswith("last login failed at ") and key["detail"].endswith(", not retried")
        for tenant, report in reports(later).items():
            titles = [s["title"] for s in report["manual_steps"]]
            assert any(t.startswith("Fix the ") and t.endswith("its last login failed") for t in titles), titles
            assert not any(t.startswith("Register the credential") for t in titles), "no registration of a refused credential"
            assert "WrongPrivateKey000001" not in json.dumps(report) and "InHouseWrongSecret2026ab" not in json.dumps(report)

    # the admin stores the right credentials: each is tried once, works, and the failure record is cleared
    kv(bao).patch(path="msp/%s/autotask/inhouse" % at, mount_point="secret",
                  secret={"secret": CUSTOM["inhouse"]["secret"]})
    pair = secrets[(cw, "sync365")]
    kv(bao).patch(path="msp/%s/connectwise/sync365" % cw, mount_point="secret", secret=pair)
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]
    fixed = converge(sandbox, bao, tmp_path, hosts, "fixed", **extra)
    assert [r["status"] for r in logins(sandbox, mark, at_user)] == [200]
    assert [r["status"] for r in logins(sandbox, mark, "%s+%s" % (cw, pair["public_key"]))] == [200]
    assert all_results(fixed, "Keep each credential in the secret store")[at]["results"][0]["login"]["outcome"] == "valid"
    for tenant, psa, profile in ((at, "autotask", "inhouse"), (cw, "connectwise", "sync365")):
        data, meta = read(bao, "msp/%s/%s/%s" % (tenant, psa, profile))
        assert "login_failed_at" not in meta and "_login_failed_fingerprint" not in data and meta["login_ok_fingerprint"]
    print("lockout guard: runs %s s; Autotask logins 1 (401) over 3 runs, ConnectWise 1 (401); fixed run %.1f s"
          % ([round(r.seconds, 1) for r in runs], fixed.seconds))


def test_a_login_whose_answer_is_lost_is_not_sent_again(sandbox):
    """At most one login attempt per user per run: a login request that may have reached Autotask (the
    connection dropped before the answer) is not re-sent, since a re-sent refused secret counts twice."""
    from ansible_collections.msp.psa.plugins.module_utils._autotask_user import credential_check
    from ansible_collections.msp.psa.plugins.module_utils._http import HTTPClient, PSAError
    from .seed import READER
    zone = requests.get(sandbox.url + "/atservicesrest/v1.0/zoneInformation", params={"user": READER["username"]},
                        timeout=5).json()["url"]
    mark = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["last"]
    requests.patch(sandbox.url + "/_sandbox/settings", json={"faults": {"drop_rate": 1.0}}, timeout=5).raise_for_status()
    try:
        with pytest.raises(PSAError) as err:
            credential_check(lambda: HTTPClient(timeout=5, backoff=0), {
                "username": READER["username"], "custom_integration": True, "api_user_secret": "WrongSecret0000000000001",
                "api_user_integration_code": READER["code"]}, zone)
    finally:
        requests.patch(sandbox.url + "/_sandbox/settings", json={"faults": {"drop_rate": 0.0}}, timeout=5)
    sent = [r for r in requests_since(sandbox, mark) if "ThresholdInformation" in r["path"]]
    assert err.value.kind == "outcome_unknown" and len(sent) == 1, sent
