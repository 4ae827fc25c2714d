"""README "Your own fleet", step 2 and 3, as written: the secret store set up with the README's own commands and
policies on a real OpenBao, the collection's credentials stored with its `bao kv put` form, then a converge with a
token of the converge policy and a drift check with a token of the read-only drift-check policy, against the sandbox
and the demo tenants (the demo inventory's group_vars are the example inventory's, tests/unit/test_example_inventory.py).

- the commands run as the README prints them (`bao secrets enable` meets dev mode's existing mount);
- the converge succeeds with the converge policy, the drift check checks every tenant with the drift-check policy
  (never "could not check" for want of a permission), and the drift-check token cannot write;
- what the store then holds is exactly the README's layout table.
"""
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from psa_sandbox.__main__ import DEFAULT_SEED
from psa_sandbox.openbao import OpenBao, bao_binary
from psa_sandbox.server import SandboxServer
from psa_sandbox.state import load_seed_file

from .harness import BIN, ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from demo import COLLECTION_CREDENTIALS  # noqa: E402  pylint: disable=wrong-import-position

README = os.path.join(ROOT, "README.md")
COULD_NOT_CHECK = 4


def _section():
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    assert "\n## Your own fleet\n" in text, "README has no 'Your own fleet' section"
    return text.split("\n## Your own fleet\n", 1)[1].split("\n## ", 1)[0]


def _blocks(section, lang):
    return re.findall(r"```%s\n(.*?)```" % lang, section, re.S)


def _commands(section, program):
    """Every console line of the section that runs ``program``, without its trailing comment."""
    lines = []
    for block in _blocks(section, "console"):
        for line in block.splitlines():
            if line.startswith(program + " "):
                lines.append(shlex.split(line, comments=True))
    return lines


def _layout(section):
    """The store layout table: path patterns as regular expressions (below the mount)."""
    patterns = []
    for path in re.findall(r"^\| `secret/([^`]+)` \|", section, re.M):
        patterns.append(re.compile("^%s$" % "[^/]+".join(re.escape(part) for part in re.split(r"<\w+>", path))))
    return patterns


def _bao(args, env, token, stdin=None):
    return subprocess.run([bao_binary()] + args, env=dict(env, VAULT_TOKEN=token, BAO_TOKEN=token), input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def stack():
    with SandboxServer(load_seed_file(DEFAULT_SEED)) as sandbox:
        bao = OpenBao().start()
        try:
            yield sandbox, bao
        finally:
            bao.stop()


def test_the_readme_store_setup_policies_and_layout(stack, tmp_path):
    sandbox, bao = stack
    section = _section()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VAULT_", "BAO_"))}
    env.update(VAULT_ADDR=bao.url, BAO_ADDR=bao.url, HOME=str(tmp_path))

    # secrets engine: dev mode already has KV v2 at secret/, so the README's command meets it
    enable = [c for c in _commands(section, "bao") if c[1:3] == ["secrets", "enable"]]
    assert enable == [["bao", "secrets", "enable", "-path=secret", "-version=2", "kv"]], enable
    proc = _bao(enable[0][1:], env, bao.token)
    assert proc.returncode != 0 and "path is already in use" in proc.stderr, proc.stderr

    # the policies, written and given to tokens as the README does
    policies = {}
    for block in _blocks(section, "hcl"):
        name = re.match(r"# (\S+\.hcl)\n", block).group(1)
        (tmp_path / name).write_text(block, encoding="utf-8")
        policies[name] = block
    assert sorted(policies) == ["msp-psa-converge.hcl", "msp-psa-drift-check.hcl"]
    tokens = {}
    for command in _commands(section, "bao"):
        if command[1:3] == ["policy", "write"]:
            proc = subprocess.run([bao_binary()] + command[1:], cwd=str(tmp_path), capture_output=True, text=True,
                                  env=dict(env, VAULT_TOKEN=bao.token), timeout=60, check=False)
            assert proc.returncode == 0, proc.stderr
        elif command[1:3] == ["token", "create"]:
            policy = next(a.split("=", 1)[1] for a in command if a.startswith("-policy="))
            proc = _bao(command[1:] + ["-field=token"], env, bao.token)
            assert proc.returncode == 0, proc.stderr
            tokens[policy] = proc.stdout.strip()
    assert sorted(tokens) == ["msp-psa-converge", "msp-psa-drift-check"]

    # the collection's own credentials, in the README's `bao kv put` form, with the demo tenants' values
    puts = [c for c in _commands(section, "bao") if c[1:3] == ["kv", "put"]]
    forms = {}
    for command in puts:
        assert command[3] == "-mount=secret" and re.fullmatch(r"msp/[^/]+/collection", command[4]), command
        fields = dict(a.split("=", 1) for a in command[5:])
        forms["autotask" if "username" in fields else "connectwise"] = fields
    for tenant, credential in COLLECTION_CREDENTIALS.items():
        form = forms["autotask" if "username" in credential else "connectwise"]
        assert set(form) == set(credential), (form, credential)  # the fields the inventory reads
        from_stdin = [k for k, v in form.items() if v == "-"]
        assert len(from_stdin) == 1, form
        args = ["kv", "put", "-mount=secret", "msp/%s/collection" % tenant] + [
            "%s=%s" % (k, "-" if k in from_stdin else credential[k]) for k in form]
        proc = _bao(args, env, bao.token, stdin=credential[from_stdin[0]])
        assert proc.returncode == 0, proc.stderr
        stored = json.loads(_bao(["kv", "get", "-mount=secret", "-format=json", "msp/%s/collection" % tenant], env,
                                 bao.token).stdout)["data"]["data"]
        assert stored == credential, tenant

    def playbook(name, token):
        run_env = dict(env, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), VAULT_TOKEN=token,
                       MSP_PSA_SANDBOX_URL=sandbox.url, MSP_PSA_CACHE_DIR=str(tmp_path / "cache"),
                       ANSIBLE_HOME=str(tmp_path / "ansible-home"), ANSIBLE_NOCOLOR="1",
                       PATH=BIN + os.pathsep + env.get("PATH", ""))
        return subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(ROOT, "inventories", "demo"),
                               os.path.join(ROOT, "playbooks", name), "-e", "reports_dir=%s" % (tmp_path / "reports")],
                              cwd=str(tmp_path), env=run_env, capture_output=True, text=True, timeout=600, check=False)

    proc = playbook("converge.yml", tokens["msp-psa-converge"])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]

    proc = playbook("drift_check.yml", tokens["msp-psa-drift-check"])
    summary = (tmp_path / "reports" / "drift" / "drift-summary.txt").read_text(encoding="utf-8")
    assert proc.returncode != COULD_NOT_CHECK and "COULD NOT CHECK" not in summary, summary
    assert summary.count("\n") == 4, summary  # three tenants and the outcome

    # the drift-check token reads, never writes; the converge token stays below msp/
    proc = _bao(["kv", "put", "-mount=secret", "msp/northwind/collection", "x=y"], env, tokens["msp-psa-drift-check"])
    assert proc.returncode != 0 and "permission denied" in proc.stderr, proc.stderr
    proc = _bao(["kv", "put", "-mount=secret", "other/thing", "x=y"], env, tokens["msp-psa-converge"])
    assert proc.returncode != 0 and "permission denied" in proc.stderr, proc.stderr

    # the store holds what the README's layout table says, and each row of it
    patterns = _layout(section)
    assert len(patterns) == 3, patterns
    import hvac  # pylint: disable=import-outside-toplevel
    client = hvac.Client(url=bao.url, token=bao.token)
    found = []

    def walk(prefix):
        for key in client.secrets.kv.v2.list_secrets(path=prefix, mount_point="secret")["data"]["keys"]:
            (walk if key.endswith("/") else found.append)(prefix + key)
    walk("msp/")
    unexplained = [p for p in found if not any(pattern.match(p) for pattern in patterns)]
    assert not unexplained, "stored outside the README's layout: %s" % unexplained
    assert all(any(pattern.match(p) for p in found) for pattern in patterns), (found, patterns)
