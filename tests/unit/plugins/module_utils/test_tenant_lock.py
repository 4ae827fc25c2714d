"""The per-tenant lock over the in-memory KV v2 of test_credential_state (check-and-set honoured), with a
fake clock: acquire, contend, expire and take over, release, not-owner, check mode, lost CAS races."""
import pytest

from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._tenant_lock import TenantLock, default_owner, lock_path

from .test_credential_state import FakeKV, make_store

T0 = 1780000000.0  # 2026-05-28T20:26:40Z


class Clock:
    def __init__(self, start=T0):
        self.now = start
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def lock(fake, clock, tenant="northwind", check_mode=False, path=None):
    return TenantLock(make_store(fake, check_mode), tenant, path, clock=clock, sleep=clock.sleep)


def test_acquire_a_free_lock_writes_once_with_cas_0():
    fake, clock = FakeKV(), Clock()
    result = lock(fake, clock).acquire("ctl1:1:a", ttl=900, wait=0)
    assert result["changed"] and result["locked"] and result["acquired"] and not result["refreshed"]
    assert result["path"] == "secret/msp/northwind/_lock" and result["waited"] == 0
    assert fake.writes == [("data", "msp/northwind/_lock")] and fake.version("msp/northwind/_lock") == 1
    record = fake.data("msp/northwind/_lock")
    assert record["state"] == "held" and record["owner"] == "ctl1:1:a" and record["tenant"] == "northwind"
    assert record["acquired_at"] == "2026-05-28T20:26:40Z" and record["expires_at"] == "2026-05-28T20:41:40Z"
    assert result["expires_at"] == record["expires_at"] and result["holder"]["owner"] == "ctl1:1:a"


def test_a_busy_tenant_waits_then_fails_naming_holder_since_and_expiry():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("ci-job-17", ttl=900, wait=0)
    clock.now += 60
    with pytest.raises(PSAError) as err:
        lock(fake, clock).acquire("ctl2:2:b", ttl=900, wait=30, poll=2)
    msg = err.value.message
    assert msg.startswith("Tenant northwind is busy: converge by ci-job-17 since 2026-05-28T20:26:40Z, "
                          "lock expires 2026-05-28T20:41:40Z; run again later, or with wait=")
    assert "secret/msp/northwind/_lock" in msg and err.value.kind == "tenant_busy"
    assert err.value.result["holder"]["owner"] == "ci-job-17" and err.value.result["owner"] == "ctl2:2:b"
    assert 29 <= sum(clock.slept) <= 31 and len(clock.slept) > 5, "polled for the whole wait"
    assert fake.data("msp/northwind/_lock")["owner"] == "ci-job-17" and fake.version("msp/northwind/_lock") == 1


def test_wait_0_fails_at_once():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("a", wait=0)
    with pytest.raises(PSAError):
        lock(fake, clock).acquire("b", wait=0)
    assert clock.slept == []


def test_a_waiter_gets_the_lock_when_the_holder_releases():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("a", wait=0)

    def sleep_then_release(seconds):
        Clock.sleep(clock, seconds)
        if clock.now - T0 > 10 and fake.data("msp/northwind/_lock")["state"] == "held":
            lock(fake, clock).release("a")
    clock.sleep = sleep_then_release
    result = lock(fake, clock).acquire("b", wait=60, poll=2)
    assert result["acquired"] and 10 < result["waited"] < 16 and "took_over" not in result
    assert fake.data("msp/northwind/_lock")["owner"] == "b"


def test_an_expired_lock_is_taken_over_and_the_old_owner_cannot_release_it():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("dead-run", ttl=60, wait=0)
    clock.now += 61
    result = lock(fake, clock).acquire("new-run", ttl=60, wait=0)
    assert result["acquired"] and result["took_over"]["owner"] == "dead-run"
    assert result["took_over"]["expires_at"] == "2026-05-28T20:27:40Z"
    late = lock(fake, clock).release("dead-run")
    assert late["changed"] is False and late["not_owner"] and late["released"] is False
    assert "held by new-run" in late["msg"] and fake.data("msp/northwind/_lock")["owner"] == "new-run"


def test_a_lock_expiring_while_waited_for_is_taken():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("slow", ttl=20, wait=0)
    result = lock(fake, clock).acquire("next", ttl=20, wait=60, poll=2)
    assert result["acquired"] and result["took_over"]["owner"] == "slow" and 20 <= result["waited"] < 24


def test_release_by_the_owner_then_again_is_a_no_op():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("a", wait=0)
    clock.now += 5
    done = lock(fake, clock).release("a")
    assert done["changed"] and done["released"] and not done["locked"]
    record = fake.data("msp/northwind/_lock")
    assert record["state"] == "released" and record["released_at"] == "2026-05-28T20:26:45Z"
    again = lock(fake, clock).release("a")
    assert again["changed"] is False and again["released"] is False and fake.version("msp/northwind/_lock") == 2
    assert lock(fake, clock).acquire("b", wait=0)["acquired"], "a released lock is free at once"


def test_release_of_a_lock_never_taken_is_not_an_error():
    result = lock(FakeKV(), Clock()).release("a")
    assert result["changed"] is False and result["released"] is False and result["holder"] is None


def test_the_same_owner_extends_its_lease_and_keeps_since():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("a", ttl=100, wait=0)
    clock.now += 50
    again = lock(fake, clock).acquire("a", ttl=100, wait=0)
    assert again["acquired"] and again["refreshed"] and again["acquired_at"] == "2026-05-28T20:26:40Z"
    assert again["expires_at"] == "2026-05-28T20:29:10Z"


def test_two_runs_that_read_the_same_free_lock_cannot_both_take_it():
    """The other run's write slips in between our read and our write: our check-and-set loses, we
    re-read, see the winner and wait (here: fail at once)."""
    fake, clock = FakeKV(), Clock()

    def other_run(fk, call, path):
        fk.before_write = None
        lock(fk, clock).acquire("winner", wait=0)
    fake.before_write = other_run
    with pytest.raises(PSAError) as err:
        lock(fake, clock).acquire("loser", wait=0)
    assert "busy: converge by winner" in err.value.message
    assert fake.data("msp/northwind/_lock")["owner"] == "winner" and fake.version("msp/northwind/_lock") == 1


def test_a_release_racing_a_take_over_leaves_the_new_lock_alone():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("old", ttl=10, wait=0)
    clock.now += 11

    def take_over(fk, call, path):
        fk.before_write = None
        lock(fk, clock).acquire("new", ttl=10, wait=0)
    fake.before_write = take_over
    result = lock(fake, clock).release("old")
    assert result["not_owner"] and fake.data("msp/northwind/_lock")["owner"] == "new"
    assert fake.data("msp/northwind/_lock")["state"] == "held"


def test_check_mode_reads_only_and_never_waits():
    fake, clock = FakeKV(), Clock()
    free = lock(fake, clock, check_mode=True).acquire("a", wait=300)
    assert free["would_acquire"] and free["changed"] is False and free["locked"] is False and fake.paths == {}
    lock(fake, clock).acquire("holder", wait=0)
    busy = lock(fake, clock, check_mode=True).acquire("a", wait=300)
    assert busy["busy"] and not busy["would_acquire"] and clock.slept == [] and busy["changed"] is False
    assert "Tenant northwind is busy: converge by holder" in busy["msg"]
    rel = lock(fake, clock, check_mode=True).release("holder")
    assert rel["would_release"] and rel["changed"] is False and fake.data("msp/northwind/_lock")["state"] == "held"


@pytest.mark.parametrize("tenant,path", [("../other", None), ("a/b", None), ("ok", "msp/../x/_lock"), ("ok", "/abs")])
def test_tenant_and_path_are_validated_before_any_request(tenant, path):
    fake = FakeKV()
    with pytest.raises(PSAError) as err:
        lock(fake, Clock(), tenant=tenant, path=path)
    assert err.value.kind == "invalid_input" and fake.writes == []


def test_defaults():
    assert lock_path("contoso") == "msp/contoso/_lock"
    host, pid, rand = default_owner().rsplit(":", 2)
    assert host and pid.isdigit() and len(rand) == 8 and default_owner() != default_owner()
    with pytest.raises(PSAError):
        lock(FakeKV(), Clock()).release(None)
    with pytest.raises(PSAError):
        lock(FakeKV(), Clock()).acquire("a", ttl=0)


def test_on_busy_skip_returns_at_once_without_the_lock():
    fake, clock = FakeKV(), Clock()
    lock(fake, clock).acquire("holder", ttl=60, wait=0)
    got = lock(fake, clock).acquire("second", ttl=60, wait=300, on_busy="skip")
    assert got["busy"] and not got["locked"] and not got["changed"] and clock.slept == []
    assert got["holder"]["owner"] == "holder" and fake.writes == [("data", "msp/northwind/_lock")]
    assert "Tenant northwind is busy" in got["msg"]


def test_on_busy_must_be_fail_or_skip():
    with pytest.raises(PSAError) as err:
        lock(FakeKV(), Clock()).acquire("x", on_busy="wait")
    assert "on_busy" in str(err.value)
