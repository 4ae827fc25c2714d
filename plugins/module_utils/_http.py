# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""One HTTP seam for every module and plugin: urllib3 with its ``Retry`` (429 honouring
Retry-After, 502/503/504, dropped connections), a cap on how long a Retry-After may make us wait,
JSON in and out, and redaction of secrets from every message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import traceback

try:
    import urllib3
    from urllib3.util.retry import Retry
    HAS_URLLIB3 = True
    URLLIB3_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_URLLIB3 = False
    URLLIB3_IMPORT_ERROR = traceback.format_exc()
    Retry = object

REDACTED = "********"
RETRY_STATUSES = (429, 502, 503, 504)


class PSAError(Exception):
    """An error for humans: ``kind`` classifies it, ``fix`` says what to do. Never holds secrets."""

    def __init__(self, message, kind="api", fix=None, status=None, details=None, result=None):
        super(PSAError, self).__init__(message)
        self.message = message
        self.kind = kind
        self.fix = fix
        self.status = status
        self.details = details or {}
        self.result = result or {}  # what the module found before it failed (no secrets), returned too

    def to_fail_json(self):
        out = dict(self.result)
        out.update({"msg": self.message + ((" Fix: " + self.fix) if self.fix else ""), "error_kind": self.kind})
        if self.status is not None:
            out["status"] = self.status
        if self.details:
            out["error_details"] = self.details
        return out


class Redactor:
    """Replaces every known secret in text with ********."""

    def __init__(self, secrets=()):
        self.secrets = set()
        for s in secrets:
            self.add(s)

    def add(self, secret):
        if secret and len(str(secret)) >= 4:
            self.secrets.add(str(secret))

    def __call__(self, text):
        text = "" if text is None else str(text)
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def header_value(option, value):
    """``value``, which an HTTP header will carry, or a PSAError naming ``option`` when it holds a line break or
    another control character (a secret read from a file or pasted with its trailing newline). Sent as it is,
    http.client would refuse the header with an error that quotes the value: the secret in the task's output."""
    if value is not None and CONTROL_CHARACTER.search(str(value)):
        raise PSAError("%s contains a line break or another control character, which an HTTP header cannot carry."
                       % option, kind="invalid_input",
                       fix="Remove it from %s (a value read from a file or pasted keeps its trailing newline; in "
                           "Jinja: {{ value | trim }})." % option)
    return value


class RetryAfterTooLong(Exception):
    def __init__(self, seconds, status, text=""):
        super(RetryAfterTooLong, self).__init__("Retry-After %s s" % seconds)
        self.seconds = seconds
        self.status = status
        self.text = text  # what the server said with it


class CappedRetry(Retry):
    """urllib3 Retry that refuses to sleep longer than ``max_wait`` for a Retry-After (an hourly
    budget answer may say an hour: that is a message for the operator, not a wait)."""

    max_wait = 60.0
    attempts = None  # one list shared by every Retry of one request: an entry per failed attempt

    def new(self, **kw):
        new = super(CappedRetry, self).new(**kw)
        new.max_wait = self.max_wait
        new.attempts = self.attempts
        return new

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if self.attempts is not None:
            self.attempts.append(error if error is not None else getattr(response, "status", None))
        return super(CappedRetry, self).increment(method=method, url=url, response=response, error=error,
                                                  _pool=_pool, _stacktrace=_stacktrace)

    def sleep(self, response=None):
        if response is not None:
            after = self.get_retry_after(response)
            if after is not None and after > self.max_wait:
                raise RetryAfterTooLong(after, response.status, _said(response))
        super(CappedRetry, self).sleep(response)


def _said(response):
    """The error text of a refused response, for messages: ``errors``/``message``/``Message`` of a JSON body,
    else the start of the body."""
    data = getattr(response, "data", None) or b""
    try:
        body = json.loads(data.decode("utf-8"))
    except ValueError:
        return data.decode("utf-8", "replace")[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    if errors:
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return str(body.get("message") or body.get("Message") or "")


class Response:
    def __init__(self, status, headers, data, url):
        self.status = status
        self.headers = headers
        self.data = data
        self.url = url

    @property
    def json(self):
        if not self.data:
            return None
        try:
            return json.loads(self.data.decode("utf-8"))
        except ValueError:
            return None

    @property
    def text(self):
        return self.data.decode("utf-8", "replace") if self.data else ""


class HTTPClient:
    """Requests through one urllib3 pool with bounded retries; counts what it sends."""

    def __init__(self, timeout=30, validate_certs=True, retries=4, backoff=0.5, max_wait=60.0, redactor=None,
                 pool=None):
        if not HAS_URLLIB3:
            raise PSAError("The Python library urllib3 is required on the host that runs the module.",
                           kind="dependency", fix="pip install urllib3 (it comes with the ansible package).")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.redact = redactor or Redactor()
        # maxsize=3 with block=True: never more than 3 requests in flight to one host from this process,
        # within Autotask's 3 threads per endpoint per tracking identifier.
        self.pool = pool or urllib3.PoolManager(cert_reqs="CERT_REQUIRED" if validate_certs else "CERT_NONE",
                                                num_pools=4, maxsize=3, block=True)
        self.requests_sent = 0

    def retry_policy(self, idempotent):
        retry = CappedRetry(
            total=self.retries, connect=self.retries, read=self.retries if idempotent else 0,
            status=self.retries, other=0, redirect=0,
            # a create that may have been processed is never sent twice; 429 means "not processed"
            status_forcelist=RETRY_STATUSES if idempotent else (429,),
            allowed_methods=None, backoff_factor=self.backoff, backoff_max=10,
            respect_retry_after_header=True, raise_on_status=False,
        )
        retry.max_wait = self.max_wait
        retry.attempts = []
        return retry

    def request(self, method, url, headers=None, body=None, idempotent=True):
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Accept", "application/json")
        self.requests_sent += 1
        retry = self.retry_policy(idempotent)
        try:
            resp = self.pool.request(method, url, body=data, headers=headers, timeout=self.timeout,
                                     retries=retry, preload_content=True)
        except RetryAfterTooLong as exc:
            raise PSAError("%s %s was refused with HTTP %s and asked us to come back in %s seconds%s." % (
                method, self.redact(url), exc.status, int(exc.seconds),
                (" (the server said: %s)" % self.redact(exc.text)) if exc.text else ""), kind="rate_limited",
                status=exc.status, details={"retry_after": exc.seconds})
        except urllib3.exceptions.MaxRetryError as exc:
            raise self.failure(method, url, exc.reason, max(len(retry.attempts), 1), idempotent)
        except urllib3.exceptions.HTTPError as exc:
            raise self.failure(method, url, exc, len(retry.attempts) + 1, idempotent)
        except ValueError as exc:  # http.client refusing a header or the URL: its message quotes the value
            raise PSAError("%s %s could not be sent: a header or the URL holds a character HTTP does not allow (%s)."
                           % (method, self.redact(url), type(exc).__name__), kind="invalid_input",
                           fix="Check the credential options and URLs for line breaks or other control characters.")
        return Response(resp.status, resp.headers, resp.data, url)

    def failure(self, method, url, reason, attempts, idempotent):
        """The PSAError for a request that got no usable answer, saying what is known about its effect."""
        where = "%s %s" % (method, self.redact(url))
        why = self.redact(reason)
        details = {"attempts": attempts, "idempotent": idempotent}
        never_sent = isinstance(reason, urllib3.exceptions.ConnectTimeoutError)  # NewConnectionError, DNS too
        tries = "%d attempt%s" % (attempts, "" if attempts == 1 else "s")
        if never_sent:
            details["sent"] = False
            return PSAError("%s failed after %s: could not connect (%s). The request never reached the server, so "
                            "nothing was created or changed." % (where, tries, why), kind="connection",
                            details=details, fix="Check the URL, the network and TLS settings (validate_certs).")
        if not idempotent:
            details["sent"] = True
            return PSAError("%s: the connection dropped after the request was sent, before an answer came back (%s). "
                            "It was sent once and not retried, because sending a create twice could create two "
                            "objects. The object may or may not exist now." % (where, why), kind="outcome_unknown",
                            details=details,
                            fix="Run again: the next run re-queries by the object's natural key and adopts it if "
                                "this request created it (nothing is created twice). If it keeps happening, check "
                                "the network path and proxies between this host and the PSA.")
        return PSAError("%s failed after %s: %s" % (where, tries, why), kind="connection", details=details,
                        fix="Check the URL, the network and TLS settings (validate_certs).")
