import pytest

from ansible_collections.msp.psa.plugins.module_utils._autotask_user import check_input, creation_steps
from ansible_collections.msp.psa.plugins.module_utils._engine import Field, casefold_equal, compare, diff


def test_only_options_the_user_set_are_compared():
    fields = [Field("first_name"), Field("email", compare=casefold_equal), Field("level", fix="ui", ui_path="UI > x")]
    drift = compare(fields, {"first_name": None, "email": "A@B.example", "level": "L1"},
                    {"first_name": "whatever", "email": "a@b.example", "level": "L2"})
    assert drift == [{"field": "level", "want": "L1", "have": "L2", "fix": "ui", "ui_path": "UI > x"}]
    assert compare([Field("cost")], {"cost": 0.0}, {"cost": 0}) == []


def test_diff_shows_managed_keys_only():
    assert diff({"a": 1, "b": 2, "secret": "x"}, {"a": 3, "b": 2}, ["a", "b"]) == {
        "before": {"a": 1, "b": 2}, "after": {"a": 3, "b": 2}}


@pytest.mark.parametrize("username,words", [("bad(name)1@x.example", "may not contain ( )"),
                                            ("letters@x.example", "letters and numbers")])
def test_bad_usernames_fail_with_the_field_and_the_fix(username, words):
    findings = check_input({"username": username})
    assert len(findings) == 1 and findings[0]["field"] == "username" and words in findings[0]["message"]
    assert findings[0]["fix"]


def test_creation_steps_cite_the_store_path_not_a_secret():
    steps = creation_steps({"username": "ws01@t.example", "first_name": "Wise-Sync", "last_name": "API User",
                            "email": "w@t.example", "integration_vendor": "Wise-Sync", "timesheets_not_required": True,
                            "secret_store_path": "secret/t/ws"}, {"web_url": "https://ww5.autotask.net/"})
    text = "\n".join(steps[0]["instructions"])
    assert "paste the secret stored at secret/t/ws" in text
    assert "Integration Vendor, then Wise-Sync" in text and "not required to submit timesheets" in text
    assert steps[0]["values"]["Username"] == "ws01" and steps[0]["secret_refs"] == {"secret": "secret/t/ws"}
