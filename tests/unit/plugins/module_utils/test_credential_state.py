"""The credential state machine (``_credential.ensure``) over an in-memory KV v2 that honours
check-and-set and can "die" before any of its write calls: every transition, and every crash point
(before the data write, between the data write and the metadata mirror, after both) resumed by the
next run. The store under test is the real ``SecretStore`` with its hvac client replaced."""
import copy

import hvac.exceptions
import pytest

from ansible_collections.msp.psa.plugins.module_utils._credential import current_fingerprint, ensure
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._secret_store import SecretStore


class Killed(BaseException):
    """The controller died here (not an Exception: nothing in the code under test may catch it)."""


class FakeKV:
    """The part of hvac's ``client.secrets.kv.v2`` the collection uses, in memory. ``crash_after=N``: the
    first N write calls succeed, the next one raises :class:`Killed` before it takes effect.
    ``before_write(fake, call, path)`` runs before every write (another run's write slipping in)."""

    def __init__(self):
        self.paths = {}
        self.writes = []
        self.crash_after = None
        self.before_write = None
        self.secrets = self  # client.secrets.kv.v2 is this object
        self.kv = self
        self.v2 = self

    # test helpers
    def data(self, path):
        entry = self.paths.get(path)
        return copy.deepcopy(entry["versions"][-1]) if entry and entry["versions"] else None

    def meta(self, path):
        return dict(self.paths.get(path, {}).get("custom_metadata") or {})

    def version(self, path):
        return len(self.paths.get(path, {}).get("versions", []))

    def put(self, path, data, metadata=None):
        """A write from outside the collection (the admin's ``kv put``, a test's set-up)."""
        entry = self.paths.setdefault(path, {"versions": [], "custom_metadata": {}})
        entry["versions"].append(copy.deepcopy(data))
        if metadata is not None:
            entry["custom_metadata"] = dict(metadata)

    def _tick(self, call, path):
        if self.before_write:
            self.before_write(self, call, path)
        if self.crash_after is not None and len(self.writes) >= self.crash_after:
            raise Killed("killed before %s of %s" % (call, path))
        self.writes.append((call, path))

    # hvac's kv.v2 surface
    def read_secret_version(self, path, version=None, mount_point="secret", raise_on_deleted_version=None):
        entry = self.paths.get(path)
        if not entry or not entry["versions"]:
            raise hvac.exceptions.InvalidPath("no secret at %s" % path)
        return {"data": {"data": copy.deepcopy(entry["versions"][-1]),
                         "metadata": {"version": len(entry["versions"]), "created_time": "2026-01-01T00:00:00Z",
                                      "custom_metadata": dict(entry["custom_metadata"]) or None,
                                      "deletion_time": "", "destroyed": False}}}

    def create_or_update_secret(self, path, secret, cas=None, mount_point="secret"):
        self._tick("data", path)
        entry = self.paths.setdefault(path, {"versions": [], "custom_metadata": {}})
        if cas is not None and cas != len(entry["versions"]):
            self.writes.pop()
            raise hvac.exceptions.InvalidRequest("check-and-set parameter did not match the current version",
                                                 errors=["check-and-set parameter did not match the current version"])
        entry["versions"].append(copy.deepcopy(secret))
        return {"data": {"version": len(entry["versions"]), "created_time": "2026-01-01T00:00:00Z"}}

    def update_metadata(self, path, max_versions=None, cas_required=None, delete_version_after="0s",
                        mount_point="secret", custom_metadata=None):
        self._tick("metadata", path)
        entry = self.paths.setdefault(path, {"versions": [], "custom_metadata": {}})
        entry["custom_metadata"] = dict(custom_metadata or {})


def make_store(fake, check_mode=False):
    store = SecretStore.__new__(SecretStore)
    store.client, store.mount, store.check_mode, store.url = fake, "secret", check_mode, "http://kv.invalid"
    return store


PATH = "msp/t1/autotask/sync365"
CW_PATH = "msp/t2/connectwise/sync365"


def params(kind="autotask", path=None, **over):
    out = {"kind": kind, "path": path or (PATH if kind == "autotask" else CW_PATH), "generate": True,
           "secret_length": 25, "metadata": {"username": "s365@t1.example"}, "rotate": False, "max_age_days": None,
           "rotation_verified": False, "registration_updated": False}
    out.update(over)
    return out


def run(fake, check_mode=False, **over):
    return ensure(params(**over), make_store(fake, check_mode))


def secrets_of(data):
    """The secret-bearing fields (what the role and the vendor tools read), without the state keys."""
    return dict((k, v) for k, v in (data or {}).items() if not k.startswith("_"))


# -- the states a transition starts from ---------------------------------------------------------------

def fresh(fake):
    return {}


def current(fake):
    run(fake)
    return {}


def cw_current(fake):
    fake.put(CW_PATH, {"public_key": "PUB-OLD", "private_key": "PRIV-OLD"}, {"identifier": "S365"})
    return {"kind": "connectwise"}


def pending(fake):
    run(fake)
    run(fake, rotate=True)
    return {}


def cw_pending_keys_stored(fake):
    cw_current(fake)
    run(fake, kind="connectwise", rotate=True)
    data = fake.data(CW_PATH)
    data.update(pending_public_key="PUB-NEW", pending_private_key="PRIV-NEW")  # the admin's `kv patch`
    fake.put(CW_PATH, data)
    return {"kind": "connectwise"}


def promoted(fake):
    pending(fake)
    run(fake, rotation_verified=True)
    return {}


def cw_promoted_registered(fake):
    cw_pending_keys_stored(fake)
    run(fake, kind="connectwise", rotation_verified=True)
    meta = fake.meta(CW_PATH)
    fp = current_fingerprint("connectwise", fake.data(CW_PATH))
    meta.update(registration_sync365="confirmed", registration_sync365_fingerprint=fp)  # vendor_registration
    fake.paths[CW_PATH]["custom_metadata"] = meta
    return {"kind": "connectwise"}


# (name, set-up, the flags of the run that makes the transition, its state, the phase after it)
TRANSITIONS = [
    ("none->generated", fresh, {}, "generated", "none"),
    ("rotation start (autotask)", current, {"rotate": True}, "rotation_started", "pending"),
    ("rotation start (connectwise)", cw_current, {"rotate": True}, "rotation_started", "pending"),
    ("promote (autotask)", pending, {"rotation_verified": True}, "rotation_promoted", "promoted"),
    ("promote (connectwise)", cw_pending_keys_stored, {"rotation_verified": True}, "rotation_promoted", "promoted"),
    ("complete (registration_updated)", promoted, {"registration_updated": True}, "rotation_completed", "none"),
    ("complete (registrations current)", cw_promoted_registered, {}, "rotation_completed", "none"),
]
IDS = [t[0] for t in TRANSITIONS]


def path_of(kind):
    return PATH if kind == "autotask" else CW_PATH


def check_consistent(fake, kind, result):
    """What every run must leave behind: the phase the module reports is the one the data's shape
    says and the one the metadata mirror shows; created credentials carry their timestamps."""
    data, meta = fake.data(path_of(kind)), fake.meta(path_of(kind))
    phase = result["phase"]
    assert meta.get("rotation_phase", "none") == phase, "metadata mirror repaired: %r vs %r" % (meta, phase)
    previous = [k for k in data if k.startswith("previous_")]
    if phase == "promoted":
        assert previous, "promoted keeps the previous credential"
    else:
        assert not previous, "previous credential only while promoted"
    if kind == "autotask":
        assert ("pending_secret" in data) == (phase == "pending"), "a stored pending secret is a pending rotation"
        assert meta.get("created_at"), "generated credentials record when"
    if phase == "pending":
        assert meta.get("rotation_started_at")
    assert not any(f.startswith("_") for f in result["fields"]), "internal state keys are not fields"
    assert result["fingerprint"] == current_fingerprint(kind, data)


@pytest.mark.parametrize("name,setup,flags,state,phase", TRANSITIONS, ids=IDS)
def test_every_transition(name, setup, flags, state, phase):
    fake = FakeKV()
    over = setup(fake)
    kind = over.get("kind", "autotask")
    before = fake.data(path_of(kind))
    fake.writes = []
    result = run(fake, **dict(over, **flags))
    assert result["changed"] is True and result["state"] == state and result["phase"] == phase
    assert [c for c, p in fake.writes] == ["data", "metadata"], "one data write (the commit), then the mirror"
    check_consistent(fake, kind, result)
    after = secrets_of(fake.data(path_of(kind)))
    if state == "rotation_promoted":
        old = secrets_of(before)
        fields = ("secret",) if kind == "autotask" else ("public_key", "private_key")
        assert all(after[f] == old["pending_" + f] and after["previous_" + f] == old[f] for f in fields)
    # the next run with the same flags moves no further (one step per run, nothing repeated)
    fake.writes = []
    again = run(fake, **dict(over, **flags))
    assert again["phase"] == phase and fake.writes == [] and again["changed"] is False
    assert secrets_of(fake.data(path_of(kind))) == after


@pytest.mark.parametrize("resume", ["same flags", "plain run"])
@pytest.mark.parametrize("crash_after", [0, 1, None], ids=["before data write", "after data, before mirror", "after both"])
@pytest.mark.parametrize("name,setup,flags,state,phase", TRANSITIONS, ids=IDS)
def test_every_crash_point_resumes(name, setup, flags, state, phase, crash_after, resume):
    fake = FakeKV()
    over = setup(fake)
    kind = over.get("kind", "autotask")
    path = path_of(kind)
    before_phase = fake.meta(path).get("rotation_phase", "none") if fake.data(path) else None
    fake.writes, fake.crash_after = [], crash_after
    if crash_after is None:
        run(fake, **dict(over, **flags))
    else:
        with pytest.raises(Killed):
            run(fake, **dict(over, **flags))
    committed = crash_after != 0
    written = fake.data(path)
    fake.crash_after = None
    redo = dict(over, **flags) if resume == "same flags" else over
    resumed = run(fake, **redo)
    check_consistent(fake, kind, resumed)
    if committed or redo == dict(over, **flags):
        assert resumed["phase"] == phase, "the transition happened (committed) or is redone by the same run"
    else:
        assert resumed["phase"] == before_phase, "killed before the commit: nothing happened"
    if committed:
        assert secrets_of(fake.data(path)) == secrets_of(written), \
            "a committed write is never redone (no second pending secret, no second swap)"
    # and after that, the store is stable
    fake.writes = []
    final = run(fake, **over)
    assert fake.writes == [] and final["changed"] is False and final["phase"] == resumed["phase"]
    check_consistent(fake, kind, final)


def test_internal_state_is_in_the_data_version_and_fields_hide_it():
    fake = FakeKV()
    result = run(fake)
    data = fake.data(PATH)
    assert data["_phase"] == "none" and data["_created_at"] == fake.meta(PATH)["created_at"]
    assert result["fields"] == ["secret"] and result["state"] == "generated"
    assert result["metadata"]["username"] == "s365@t1.example" and result["metadata"]["rotation_phase"] == "none"
    run(fake, rotate=True)
    data = fake.data(PATH)
    assert data["_phase"] == "pending" and data["_rotation_started_at"] and data["pending_secret"]
    assert run(fake)["fields"] == ["pending_secret", "secret"]


def test_the_data_wins_over_a_metadata_mirror_that_disagrees():
    fake = FakeKV()
    pending(fake)
    fake.paths[PATH]["custom_metadata"]["rotation_phase"] = "none"  # a stale or hand-edited mirror
    fake.writes = []
    result = run(fake)
    assert result["phase"] == "pending" and result["changed"] is True and fake.writes == [("metadata", PATH)]
    assert fake.meta(PATH)["rotation_phase"] == "pending"
    assert "pending_secret" in str(result["manual_steps"]), "the admin still gets step 1 of the rotation"


def test_a_legacy_record_without_state_keys_is_read_from_its_metadata():
    fake = FakeKV()
    fake.put(PATH, {"secret": "Old1secret0000000000000000", "pending_secret": "New1secret0000000000000000"},
             {"rotation_phase": "pending", "created_at": "2025-01-01T00:00:00Z", "username": "u@t1.example"})
    result = run(fake, rotation_verified=True)
    assert result["state"] == "rotation_promoted" and fake.data(PATH)["_phase"] == "promoted"
    assert fake.data(PATH)["_created_at"] == "2025-01-01T00:00:00Z", "the legacy state moves into the data"
    check_consistent(fake, "autotask", result)


def test_a_legacy_rotation_stuck_in_pending_by_the_old_two_write_layout_is_recognised():
    """The old code wrote the promoted data, then died before the metadata: pending forever. The data's
    shape (previous secret kept, no pending one) says promoted."""
    fake = FakeKV()
    fake.put(PATH, {"secret": "New1secret0000000000000000", "previous_secret": "Old1secret0000000000000000"},
             {"rotation_phase": "pending", "created_at": "2025-01-01T00:00:00Z", "rotation_started_at": "2025-06-01T00:00:00Z"})
    result = run(fake)
    assert result["phase"] == "promoted" and fake.meta(PATH)["rotation_phase"] == "promoted"
    done = run(fake, registration_updated=True)
    assert done["state"] == "rotation_completed" and "previous_secret" not in fake.data(PATH)


def test_a_secret_stored_by_hand_without_state_keys_is_current():
    fake = FakeKV()
    fake.put(PATH, {"secret": "Hand1secret000000000000000"})
    result = run(fake, metadata=None, generate=False)
    assert result["state"] == "current" and result["phase"] == "none" and fake.writes == []
    assert result["fields"] == ["secret"]


def test_awaiting_secret_writes_nothing_until_the_admin_stores_it():
    fake = FakeKV()
    result = run(fake, generate=False)
    assert result["state"] == "awaiting_secret" and result["phase"] == "none" and fake.writes == []
    assert "secret/%s" % PATH in str(result["manual_steps"])
    cw = run(fake, kind="connectwise")
    assert cw["state"] == "awaiting_secret" and "public_key and private_key" in str(cw["manual_steps"])


def test_max_age_starts_a_rotation():
    fake = FakeKV()
    fake.put(PATH, {"secret": "Old1secret0000000000000000", "_phase": "none", "_created_at": "2020-01-01T00:00:00Z"},
             {"rotation_phase": "none", "created_at": "2020-01-01T00:00:00Z", "username": "s365@t1.example"})
    result = run(fake, max_age_days=180)
    assert result["state"] == "rotation_started" and result["phase"] == "pending"


def test_check_mode_predicts_and_writes_nothing():
    fake = FakeKV()
    result = run(fake, check_mode=True)
    assert result["changed"] is True and result["state"] == "generated" and fake.paths == {}
    current(fake)
    fake.writes = []
    result = run(fake, check_mode=True, rotate=True)
    assert result["state"] == "rotation_started" and fake.writes == []


def test_a_concurrent_run_that_wins_the_cas_is_seen_and_not_repeated():
    """Two runs both start a rotation; the second one's data write loses the check-and-set, re-reads,
    sees the rotation already pending, and does not make a second pending secret."""
    fake = FakeKV()
    current(fake)

    def other_run(fk, call, path):
        if call == "data":
            fk.before_write = None
            run(fk, rotate=True)  # the other controller, between our read and our write
    fake.before_write = other_run
    result = run(fake, rotate=True)
    winner = fake.data(PATH)["pending_secret"]
    assert result["phase"] == "pending" and result["state"] == "current" and result["changed"] is False
    assert fake.data(PATH)["pending_secret"] == winner and fake.version(PATH) == 2


def test_a_cas_conflict_twice_fails_with_run_again():
    fake = FakeKV()
    current(fake)

    def always_other(fk, call, path):
        if call == "data":
            fk.put(path, fk.data(path))  # someone writes every time we are about to
    fake.before_write = always_other
    with pytest.raises(PSAError) as err:
        run(fake, rotate=True)
    assert "another run is changing secret/%s; run again" % PATH in err.value.message
    assert err.value.kind == "store_conflict"
