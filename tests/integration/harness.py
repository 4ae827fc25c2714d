"""Run real ``ansible-playbook`` against a running sandbox and read the results as JSON."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


class PlaybookRun:
    def __init__(self, proc, data):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.data = data

    def results(self, task_name):
        """Every host's result of the task named ``task_name`` (first play)."""
        for play in self.data.get("plays", []):
            for task in play["tasks"]:
                if task["task"]["name"] == task_name:
                    return task["hosts"]
        raise KeyError("no task named %r; tasks: %s" % (task_name, [
            t["task"]["name"] for p in self.data.get("plays", []) for t in p["tasks"]]))

    def result(self, task_name, host="localhost"):
        return self.results(task_name)[host]

    def failures(self):
        """Every failed or unreachable task result, as "host: task: msg" lines (for assertion messages)."""
        return ["%s: %s: %s" % (host, task["task"]["name"], res.get("msg"))
                for play in self.data.get("plays", []) for task in play["tasks"]
                for host, res in task["hosts"].items() if res.get("failed") or res.get("unreachable")]


def run_playbook(path, tmp_path, extra_vars=None, check=False, diff=False, verbosity=0, env=None, inventory=None):
    environment = dict(os.environ)
    environment.update({
        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_NOCOLOR": "1",
        "MSP_PSA_CACHE_DIR": str(tmp_path / "cache"),
        "PATH": BIN + os.pathsep + environment.get("PATH", ""),
    })
    environment.update(env or {})
    cmd = [os.path.join(BIN, "ansible-playbook"), path, "-i", inventory or "localhost,", "-c", "local",
           "-e", "ansible_python_interpreter=%s" % sys.executable]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(cmd, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600, check=False)
    try:
        start = proc.stdout.index("{")
        data = json.loads(proc.stdout[start:])
    except ValueError:
        data = {}
    return PlaybookRun(proc, data)


def stored_paths(bao):
    """Every credential path the secret store holds under msp/ (the tenants' locks are not credentials)."""
    import hvac
    client = hvac.Client(url=bao.url, token=bao.token)
    found = []

    def walk(prefix):
        try:
            keys = client.secrets.kv.v2.list_secrets(path=prefix, mount_point="secret")["data"]["keys"]
        except hvac.exceptions.InvalidPath:
            return
        for key in keys:
            (walk if key.endswith("/") else found.append)(prefix + key)
    walk("msp/")
    return [p for p in found if not p.endswith("/_lock")]
