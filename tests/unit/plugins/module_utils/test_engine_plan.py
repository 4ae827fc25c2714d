"""The engine's plan and apply over an in-memory provider: pure, no HTTP."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._engine import (
    Field, Provider, apply, check_choice, check_length, converge, invalid, plan)
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError


class MemoryProvider(Provider):
    """A PSA in a dict: 'level' is UI-only, 'name' and 'active' are writable; records every write."""

    psa = "memory"
    psa_label = "Memory"
    key = "username"

    def __init__(self, records, can_create=False, appears_on_reread=None):
        self.records = dict((r["username"], dict(r)) for r in records)
        self.can_create = can_create
        self.writes = []
        self.reads = 0
        self.appears = appears_on_reread

    def check_input(self, item):
        return [invalid("username", "must contain @", "Add the domain.")] if "@" not in item["username"] else []

    def read_all(self, declared):
        self.reads += 1
        return dict((k.lower(), v) for k, v in self.records.items())

    def reread(self, name):
        if self.appears:
            self.records[name] = dict(self.appears)
        return self.records.get(name)

    def validate(self, item, record):
        return check_choice("level", item.get("level"), ["Admin", "API User"], "level") + \
            check_length("name", item.get("name"), 10)

    def want(self, item):
        return {"name": item.get("name"), "level": item.get("level"), "active": True}

    def view(self, record, want):
        return dict(record)

    def fields(self, item):
        return [Field("name"), Field("active"), Field("level", fix="ui", ui_path="UI > Level")]

    def to_api(self, drift, item):
        return dict((d["field"], d["want"]) for d in drift)

    def create_body(self, item):
        return {"username": item["username"], "name": item.get("name"), "active": True}

    def create(self, body):
        self.writes.append(("create", body["username"]))
        self.records[body["username"]] = dict(body, id=len(self.records) + 1)
        return self.records[body["username"]]

    def update(self, record, changes):
        self.writes.append(("update", record["username"], tuple(sorted(changes))))
        record = dict(record, **changes)
        self.records[record["username"]] = record
        return record

    def missing_steps(self, item):
        return [{"system": "Memory", "title": "Create %s" % item["username"], "instructions": []}]

    def orphans(self, records, declared):
        names = set(d["username"].lower() for d in declared)
        return [(r, {"name": r["username"], "active": r.get("active")}) for k, r in sorted(records.items())
                if k not in names]

    def deactivate(self, record):
        self.writes.append(("deactivate", record["username"]))


EXISTING = [{"id": 1, "username": "a1@x", "name": "Old", "level": "Admin", "active": True},
            {"id": 2, "username": "orphan1@x", "name": "Gone", "level": "Admin", "active": True}]


def test_plan_is_pure_and_lists_the_intended_writes():
    provider = MemoryProvider(EXISTING)
    p = plan(provider, [{"username": "a1@x", "name": "New", "level": "API User"}, {"username": "b2@x", "name": "B"}],
             tenant="acme", inactivate_orphans=True)
    assert provider.writes == [] and provider.reads == 1
    assert p.intended_writes() == [{"action": "update", "object": "user", "name": "a1@x", "fields": ["name"]},
                                   {"action": "deactivate", "object": "user", "name": "orphan1@x"}]
    first, second = p.items
    assert [d["field"] for d in first.drift] == ["name", "level"] and first.changes == {"name": "New"}
    assert first.manual_steps[0]["ui_path"] == "UI > Level"
    assert second.action == "missing" and second.manual_steps[0]["title"] == "Create b2@x"


def test_any_validation_error_stops_the_plan_and_apply_writes_nothing():
    provider = MemoryProvider(EXISTING)
    declared = [{"username": "a1@x", "name": "Fine"}, {"username": "c3@x", "name": "a much too long name",
                                                       "level": "API Usr", "profile": "p1"}]
    p = plan(provider, declared, tenant="acme")
    assert [e["field"] for e in p.errors] == ["level", "name"] and p.items == []
    with pytest.raises(PSAError) as err:
        apply(p, provider, check_mode=False, diff_mode=False)
    assert provider.writes == []
    text = err.value.message
    assert "nothing was written" in text and "tenant acme profile p1 user c3@x: level:" in text
    assert "Did you mean 'API User'?" in text and "at most 10" in text and err.value.kind == "invalid_input"


def test_input_errors_are_found_before_any_read():
    provider = MemoryProvider(EXISTING)
    p = plan(provider, [{"username": "nodomain"}, {"username": "a1@x"}, {"username": "A1@x"}])
    assert provider.reads == 0
    assert [(e["name"], e["field"]) for e in p.errors] == [("nodomain", "username"), ("A1@x", "username")]
    assert "declared twice" in p.errors[1]["message"]


def test_apply_in_check_mode_is_the_plan():
    """Check mode never re-reads before a create (the clients predict instead of writing)."""
    appeared = {"id": 9, "username": "b2@x", "name": "B", "level": "Admin", "active": True}
    provider = MemoryProvider(EXISTING, can_create=True, appears_on_reread=appeared)
    out = converge(provider, [{"username": "a1@x", "name": "New"}, {"username": "b2@x", "name": "B"}],
                   check_mode=True, diff_mode=True, report_orphans=False)
    states = dict((r["name"], r["state"]) for r in out["users"])
    assert states == {"a1@x": "updated", "b2@x": "created"}
    assert out["plan"] == [{"action": "update", "object": "user", "name": "a1@x", "fields": ["name"]},
                           {"action": "create", "object": "user", "name": "b2@x"}]
    assert [d["before_header"] for d in out["diff"]] == ["a1@x", "b2@x"]
    assert out["diff"][1] == {"before": {}, "after": {"name": "B", "active": True, "username": "b2@x", "id": None},
                              "before_header": "b2@x", "after_header": "b2@x"}


def test_a_create_adopts_what_another_run_created_meanwhile():
    appeared = {"id": 9, "username": "b2@x", "name": "B", "level": "Admin", "active": True}
    provider = MemoryProvider(EXISTING, can_create=True, appears_on_reread=appeared)
    out = converge(provider, [{"username": "b2@x", "name": "B"}], check_mode=False, diff_mode=False,
                   report_orphans=False)
    result = out["users"][0]
    assert ("create", "b2@x") not in provider.writes and result["adopted"] is True
    assert result["state"] == "ok" and result["changed"] is False


def test_orphans_are_only_reported_unless_retirement_is_asked():
    provider = MemoryProvider(EXISTING)
    out = converge(provider, [{"username": "a1@x"}], check_mode=False, diff_mode=False)
    assert out["orphans"] == [{"name": "orphan1@x", "active": True}] and provider.writes == []
    out = converge(provider, [{"username": "a1@x"}], check_mode=False, diff_mode=False, inactivate_orphans=True)
    assert ("deactivate", "orphan1@x") in provider.writes and out["orphans"][0]["inactivated"] is True


def test_absent_deactivates_and_compares_nothing_else():
    provider = MemoryProvider(EXISTING)
    out = converge(provider, [{"username": "a1@x", "name": "Ignored", "state": "absent"}], check_mode=False,
                   diff_mode=False, report_orphans=False)
    assert provider.writes == [("update", "a1@x", ("active",))] and out["users"][0]["state"] == "absent"
