"""Small helpers shared by the sandbox's HTTP surfaces."""
import json
import time

from flask import Response, request


def jresp(body, status=200, headers=None, mimetype="application/json"):
    text = "" if body is None and status in (204,) else json.dumps(body, separators=(",", ":"))
    return Response(text, status=status, headers=headers or {}, mimetype=mimetype)


def empty(status, headers=None):
    return Response(b"", status=status, headers=headers or {})


def json_body():
    """The request's JSON body, or raises ValueError with a reason."""
    data = request.get_data(cache=True)
    if not data:
        raise ValueError("request body is empty")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ValueError("request body is not valid JSON: %s" % exc)


def note(**fields):
    """Add facts (who, database, ...) to this request's log entry."""
    request.environ.setdefault("psa.log", {}).update(fields)


def latency(sandbox):
    ms = sandbox.settings.get("faults", "latency_ms")
    if ms:
        time.sleep(ms / 1000.0)
