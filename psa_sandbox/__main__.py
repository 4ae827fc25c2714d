"""``python -m psa_sandbox --port N [--seed FILE]``: serve the sandbox in the foreground."""
import argparse
import json
import os
import sys

from .autotask.entities import RESOURCE_SWITCHABLE
from .server import SandboxServer
from .state import SeedError, load_seed_file

DEFAULT_SEED = os.path.join(os.path.dirname(__file__), "seeds", "demo.yml")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m psa_sandbox", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only by default)")
    p.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (see --port-file)")
    p.add_argument("--seed", default=DEFAULT_SEED, help="seed YAML (default: the demo tenants)")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    f = p.add_argument_group("faults (also settable at run time: PATCH /_sandbox/settings)")
    f.add_argument("--latency-ms", type=float, default=0)
    f.add_argument("--rate-429", type=float, default=0.0)
    f.add_argument("--rate-5xx", type=float, default=0.0)
    f.add_argument("--drop-rate", type=float, default=0.0)
    f.add_argument("--fault-seed", type=int)
    a = p.add_argument_group("Autotask switches")
    a.add_argument("--hourly-limit", type=int, default=10000)
    a.add_argument("--thread-limit", type=int, default=3)
    a.add_argument("--lockout-threshold", type=int, default=5)
    a.add_argument("--auth-failure", choices=["401-empty", "500-json"], default="401-empty",
                   help="unknown username / wrong integration code: 401 empty (default) or 500 {errors}")
    a.add_argument("--thread-limit-response", choices=["429", "500-no-retry-after"], default="429",
                   help="thread-limit rejections: 429 with Retry-After (default) or 500 without it")
    a.add_argument("--permission-denied-status", type=int, choices=[403, 500], default=403)
    a.add_argument("--not-found", choices=["null-item", "404"], default="null-item")
    a.add_argument("--strict-operators", action="store_true")
    a.add_argument("--writable-security-level", action="store_true",
                   help="shorthand for --resource-writable userType")
    a.add_argument("--resource-writable", action="append", default=[], metavar="FIELD[,FIELD]",
                   help="Resource fields (%s) this tenant reports writable; default: all read-only"
                        % ", ".join(RESOURCE_SWITCHABLE))
    a.add_argument("--api-user-role-departments", choices=["refused", "allowed"], default="refused",
                   help="RoleDepartments writes under an API-only resource (default: refused)")
    a.add_argument("--advertise-v2", action="store_true")
    a.add_argument("--ticket-required", action="append", default=[], metavar="[DATABASE=]FIELD[,FIELD]",
                   help="Ticket fields (queueID, billingCodeID) a database requires on create; repeatable; "
                        "without DATABASE= for every database (default: neither, see docs/sandbox.md)")
    c = p.add_argument_group("ConnectWise switches")
    c.add_argument("--cw-per-minute-limit", type=int, default=1000)
    c.add_argument("--cw-optional-client-id", action="store_true")
    c.add_argument("--settings", help="JSON settings merged last, e.g. '{\"faults\": {\"latency_ms\": 50}}'")
    return p.parse_args(argv)


def ticket_required(values):
    """--ticket-required [DATABASE=]FIELD[,FIELD] ... -> {database or "*": [fields]}."""
    out = {}
    for value in values:
        db, _, fields = value.rpartition("=")
        names = [f.strip() for f in fields.split(",") if f.strip()]
        unknown = [f for f in names if f not in ("queueID", "billingCodeID")]
        if unknown:
            raise SystemExit("--ticket-required: unknown field(s) %s (queueID, billingCodeID)" % ", ".join(unknown))
        out.setdefault(db.lower() or "*", []).extend(names)
    return out


def resource_writable(args):
    names = [f.strip() for v in args.resource_writable for f in v.split(",") if f.strip()]
    if args.writable_security_level:
        names.append("userType")
    unknown = [f for f in names if f not in RESOURCE_SWITCHABLE]
    if unknown:
        raise SystemExit("--resource-writable: unknown field(s) %s (%s)" % (", ".join(unknown),
                                                                            ", ".join(RESOURCE_SWITCHABLE)))
    return sorted(set(names))


def settings_from(args):
    settings = {
        "faults": {"latency_ms": args.latency_ms, "rate_429": args.rate_429, "rate_5xx": args.rate_5xx,
                   "drop_rate": args.drop_rate, "seed": args.fault_seed},
        "autotask": {"hourly_limit": args.hourly_limit, "thread_limit": args.thread_limit,
                     "lockout_threshold": args.lockout_threshold, "auth_failure": args.auth_failure,
                     "permission_denied_status": args.permission_denied_status, "not_found": args.not_found,
                     "strict_operators": args.strict_operators, "advertise_v2": args.advertise_v2,
                     "thread_limit_response": args.thread_limit_response,
                     "resource_writable_fields": resource_writable(args),
                     "api_user_role_departments": args.api_user_role_departments,
                     "ticket_required_fields": ticket_required(args.ticket_required)},
        "connectwise": {"per_minute_limit": args.cw_per_minute_limit,
                        "require_client_id": not args.cw_optional_client_id},
    }
    if args.settings:
        from .core import deep_merge
        deep_merge(settings, json.loads(args.settings))
    return settings


def main(argv=None):
    args = parse_args(argv)
    try:
        seed = load_seed_file(args.seed) if args.seed else {}
        server = SandboxServer(seed, settings_from(args), args.host, args.port, args.verbose)
    except (OSError, SeedError, ValueError) as exc:
        print("psa_sandbox: %s" % exc, file=sys.stderr)
        return 2
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as handle:
            handle.write(str(server.port))
    print("psa_sandbox listening on %s (Autotask zone lookup: %s/atservicesrest/v1.0/zoneInformation?user=..., "
          "ConnectWise: %s/login/companyinfo/<company>, admin: %s/_sandbox/)" % (server.url, server.url, server.url,
                                                                                server.url), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
