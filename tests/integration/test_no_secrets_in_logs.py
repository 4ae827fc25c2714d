"""No secret reaches the controller's syslog: a whole converge and a fleet drift check at -vvvv.

AnsibleModule logs every invocation to syslog (or the systemd journal), masking only the values it knows
as no_log; a list-of-dict option declared without ``options=`` hides its nested secrets from it. The
modules here run under an interpreter wrapper whose ``sitecustomize`` records every ``syslog`` call in a
file (and keeps ``systemd.journal`` from being used), so the test reads exactly what the controller's
syslog would have received, then looks for every secret value in it and in the playbooks' output."""
import json
import os
import stat
import sys
import textwrap

import hvac
import pytest

from psa_sandbox.__main__ import DEFAULT_SEED
from psa_sandbox.openbao import OpenBao
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import ROOT, run_playbook

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from demo import COLLECTION_CREDENTIALS  # noqa: E402  pylint: disable=wrong-import-position

IDENTIFIERS = ("username", "public_key", "client_id")  # what the store holds that is not secret

SITECUSTOMIZE = '''
import os
import sys
import syslog

sys.modules["systemd"] = None  # AnsibleModule then logs through syslog, which is captured here
_CAPTURE = os.environ["MSP_PSA_SYSLOG_CAPTURE"]


def _record(kind, args):
    with open(_CAPTURE, "a") as handle:
        handle.write("%s %s\\n" % (kind, " ".join(str(a) for a in args)))


def openlog(*args, **kwargs):
    _record("openlog", args + tuple(kwargs.values()))


def capture(*args):
    _record("syslog", args)


syslog.openlog = openlog
syslog.syslog = capture
'''


@pytest.fixture(scope="module")
def stack():
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox, OpenBao() as bao:
        vault = hvac.Client(url=bao.url, token=bao.token)
        for tenant, cred in COLLECTION_CREDENTIALS.items():
            vault.secrets.kv.v2.create_or_update_secret(path="msp/%s/collection" % tenant, mount_point="secret",
                                                        secret=cred)
        yield sandbox, bao, vault


def capturing_interpreter(tmp_path):
    """An interpreter for ansible_python_interpreter: this venv's python with the syslog capture."""
    site = tmp_path / "capture-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    capture = tmp_path / "syslog.txt"
    capture.write_text("")
    wrapper = tmp_path / "python-capturing-syslog"
    wrapper.write_text(textwrap.dedent('''\
        #!/bin/sh
        PYTHONPATH="%s${PYTHONPATH:+:$PYTHONPATH}" MSP_PSA_SYSLOG_CAPTURE="%s" exec "%s" "$@"
        ''' % (site, capture, sys.executable)))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper), capture


def secret_values(vault, token):
    """Every secret the run could leak: the store's token, the collection's own credentials and every
    value stored under msp/ (generated API-user secrets, key pairs), except identifiers."""
    values = {token}
    for cred in COLLECTION_CREDENTIALS.values():
        values.update(v for k, v in cred.items() if k not in IDENTIFIERS)

    def walk(prefix):
        for key in vault.secrets.kv.v2.list_secrets(path=prefix, mount_point="secret")["data"]["keys"]:
            if key.endswith("/"):
                walk(prefix + key)
                continue
            if key.startswith("_"):  # the collection's own records (a tenant's lock), not secrets
                continue
            data = vault.secrets.kv.v2.read_secret_version(path=prefix + key, mount_point="secret",
                                                           raise_on_deleted_version=False)["data"]["data"]
            # keys starting with _ are the credential's state (phase, timestamps)
            values.update(v for k, v in data.items() if k not in IDENTIFIERS and not k.startswith("_")
                          and isinstance(v, str) and len(v) >= 8)
    walk("msp/")
    return values


def test_no_secret_in_syslog_during_converge_and_fleet_drift_check(stack, tmp_path):
    sandbox, bao, vault = stack
    interpreter, capture = capturing_interpreter(tmp_path)
    env = {"VAULT_ADDR": bao.url, "VAULT_TOKEN": bao.token, "MSP_PSA_SANDBOX_URL": sandbox.url,
           "ANSIBLE_STDOUT_CALLBACK": "default"}
    inventory = os.path.join(ROOT, "inventories", "demo")
    reports = tmp_path / "reports"
    outputs = []
    for playbook, extra in (("converge.yml", {}), ("drift_check_fleet.yml", {"fail_on_drift": False})):
        run = run_playbook(os.path.join(ROOT, "playbooks", playbook), tmp_path,
                           dict(extra, reports_dir=str(reports), ansible_python_interpreter=interpreter),
                           verbosity=4, env=env, inventory=inventory)
        assert run.rc == 0, "%s exit %d:\n%s\n%s" % (playbook, run.rc, run.stdout[-3000:], run.stderr[-2000:])
        outputs.append((playbook, run.stdout + run.stderr))
    logged = capture.read_text()
    # the capture works: every module invocation was logged through it, the fleet playbook's report included;
    # the fleet check itself runs no_log (its options hold every tenant's secrets) and logs nothing
    assert "Invoked with" in logged and "ansible-msp.psa.drift_report" in logged, logged[:2000]
    assert "ansible-msp.psa.fleet_drift_check" not in logged
    assert "ansible-msp.psa.autotask_api_users" in logged and "ansible-msp.psa.connectwise_api_members" in logged
    assert "ansible-msp.psa.api_credential" in logged
    values = secret_values(vault, bao.token)
    assert len(values) >= 8, "the converge stored no secrets to look for"
    hits = ["%s... in %s" % (v[:4], where) for where, text in [("syslog", logged)] + outputs
            for v in sorted(values) if v in text]
    assert not hits, "secret values leaked (%d of %d): %s" % (len(hits), len(values), json.dumps(hits))
