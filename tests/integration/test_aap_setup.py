"""msp.psa.aap_setup against a stand-in for the controller's REST API (/api/v2/: list with filters, create, read,
update, associations; the calls the awx.awx modules make), as a user runs it: the three credential types registered
with the inputs and injectors of their files, the execution environment, and the converge and drift check job
templates with the project, inventory, credentials, slicing and per-job reports folder; a second run changes nothing.
No AWX runs here; the stand-in checks the requests' shape, not the controller's own validation."""
import json
import os
import re
import subprocess
import threading

import pytest
import yaml
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from .harness import BIN, ROOT

TYPES_DIR = os.path.join(ROOT, "playbooks", "files", "aap", "credential_types")


class FakeController:
    """Objects per resource, as the controller's API lists, creates, reads, updates and associates them."""

    def __init__(self):
        self.objects = {"organizations": [{"id": 1, "name": "Default"}],
                        "projects": [{"id": 3, "name": "MSP fleet", "organization": 1}],
                        "inventories": [{"id": 4, "name": "MSP tenants", "organization": 1}],
                        "credentials": [{"id": 7, "name": "MSP secret store"}]}
        self.associations = {}
        self.writes = []
        self.app = Flask("fake-controller")
        self.app.add_url_rule("/api/v2/<resource>/", view_func=self.collection, methods=["GET", "POST"])
        self.app.add_url_rule("/api/v2/<resource>/<int:oid>/", view_func=self.item, methods=["GET", "PATCH"])
        self.app.add_url_rule("/api/v2/<resource>/<int:oid>/<sub>/", view_func=self.associated, methods=["GET", "POST"])
        self.app.after_request(self.headers)

    @staticmethod
    def headers(response):
        response.headers["X-API-Product-Name"] = "AWX"
        response.headers["X-API-Product-Version"] = "24.6.1"
        return response

    def _public(self, resource, obj):
        return dict(obj, url="/api/v2/%s/%d/" % (resource, obj["id"]), related={})

    def collection(self, resource):
        items = self.objects.setdefault(resource, [])
        if request.method == "POST":
            obj = dict(request.get_json(), id=100 + sum(len(v) for v in self.objects.values()))
            items.append(obj)
            self.writes.append(("POST", resource, obj))
            return jsonify(self._public(resource, obj)), 201
        args = {k: v for k, v in request.args.items() if k not in ("page", "page_size")}
        either = {k[4:]: v for k, v in args.items() if k.startswith("or__")}
        exact = {k: v for k, v in args.items() if not k.startswith("or__")}
        found = [o for o in items if all(str(o.get(k)) == v for k, v in exact.items())
                 and (not either or any(str(o.get(k)) == v for k, v in either.items()))]
        return jsonify(count=len(found), next=None, previous=None, results=[self._public(resource, o) for o in found])

    def item(self, resource, oid):
        obj = next(o for o in self.objects[resource] if o["id"] == oid)
        if request.method == "PATCH":
            obj.update(request.get_json())
            self.writes.append(("PATCH", resource, obj))
        return jsonify(self._public(resource, obj))

    def associated(self, resource, oid, sub):
        ids = self.associations.setdefault((resource, oid, sub), [])
        if request.method == "POST":
            data = request.get_json()
            self.writes.append(("ASSOCIATE", "%s/%d/%s" % (resource, oid, sub), data))
            if data.get("disassociate"):
                ids.remove(data["id"])
            else:
                ids.append(data["id"])
            return "", 204
        return jsonify(count=len(ids), next=None, previous=None, results=[{"id": i} for i in ids])

    def one(self, resource, name):
        found = [o for o in self.objects.get(resource, []) if o.get("name") == name]
        assert len(found) == 1, (resource, name, self.objects.get(resource))
        return found[0]


@pytest.fixture()
def controller():
    fake = FakeController()
    server = make_server("127.0.0.1", 0, fake.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = "http://127.0.0.1:%d" % server.server_port
    yield fake
    server.shutdown()
    thread.join(10)


def _setup(controller, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "CONTROLLER_", "TOWER_"))}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + os.pathsep + env.get("PATH", ""),
               CONTROLLER_HOST=controller.url, CONTROLLER_OAUTH_TOKEN="test-token", ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_HOME=str(tmp_path / "ansible-home"))
    extra = {"msp_psa_aap_project": "MSP fleet", "msp_psa_aap_inventory": "MSP tenants",
             "msp_psa_aap_credentials": ["MSP secret store"], "msp_psa_aap_ee_image": "registry.example.com/msp-psa-ee:0.2.0",
             "msp_psa_aap_job_slice_count": 4}
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", "aap_setup.yml"),
                           "-e", json.dumps(extra)], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc


def test_the_setup_registers_the_types_and_the_job_templates_and_a_second_run_changes_nothing(controller, tmp_path):
    _setup(controller, tmp_path)

    for name in ("autotask", "connectwise", "secret_store"):
        with open(os.path.join(TYPES_DIR, name + ".yml"), encoding="utf-8") as handle:
            definition = yaml.safe_load(handle)
        registered = controller.one("credential_types", definition["name"])
        for key in ("description", "kind", "inputs", "injectors"):
            assert registered[key] == definition[key], (name, key, registered[key])

    ee = controller.one("execution_environments", "msp.psa")
    assert ee["image"] == "registry.example.com/msp-psa-ee:0.2.0" and ee["organization"] == 1

    for name, playbook in (("msp.psa converge", "converge.yml"), ("msp.psa drift check", "drift_check.yml")):
        jt = controller.one("job_templates", name)
        assert (jt["playbook"], jt["project"], jt["inventory"], jt["organization"]) == (playbook, 3, 4, 1), jt
        assert jt["job_slice_count"] == 4 and jt["execution_environment"] == ee["id"] and jt["ask_limit_on_launch"]
        extra_vars = yaml.safe_load(jt["extra_vars"]) if isinstance(jt["extra_vars"], str) else jt["extra_vars"]
        assert re.fullmatch(r"/var/lib/msp-psa/reports/\{\{ awx_workflow_job_id \| default\(awx_job_id\) \}\}/"
                            r"\{\{ awx_job_id \}\}", extra_vars["reports_dir"]), extra_vars
        assert controller.associations[("job_templates", jt["id"], "credentials")] == [7]
    assert yaml.safe_load(controller.one("job_templates", "msp.psa converge")["extra_vars"])["api_user_handoff_ticket"] \
        is True

    writes = len(controller.writes)
    proc = _setup(controller, tmp_path)
    assert controller.writes[writes:] == [], controller.writes[writes:]
    assert re.search(r"localhost\s*: ok=\d+\s+changed=0 ", proc.stdout), proc.stdout[-2000:]
