"""Autotask query language: filters (13 operators, and/or groups), includeFields, maxRecords, paging."""
import json
from urllib.parse import quote

MAX_RECORDS = 500
COMPARISONS = {"eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains",
               "exist", "notexist", "in", "notin"}
GROUPS = {"and", "or"}


class QueryError(Exception):
    """Answered as HTTP 500 {"errors": [message]}, as the real service does for query mistakes."""


def _ci_get(mapping, key, default=None):
    for k, v in mapping.items():
        if k.lower() == key.lower():
            return v
    return default


def parse_query_model(body):
    if not isinstance(body, dict):
        raise QueryError("Query model is missing or not a JSON object.")
    max_records = _ci_get(body, "maxRecords")
    if max_records is None:
        max_records = MAX_RECORDS
    if not isinstance(max_records, int) or isinstance(max_records, bool) or not 1 <= max_records <= MAX_RECORDS:
        raise QueryError("maxCountOfRecordsToReturn must be between 1 and 500")
    filters = _ci_get(body, "filter") or []
    if not isinstance(filters, list) or not filters:
        raise QueryError("Query filter is required. Use {\"op\":\"gte\",\"field\":\"id\",\"value\":0} to read all.")
    include = _ci_get(body, "includeFields") or []
    return filters, max_records, include


class Compiler:
    def __init__(self, entity, strict_operators=False):
        self.entity = entity
        self.strict = strict_operators
        self.names = {n.lower(): n for n in entity.fields}

    def field(self, name):
        canonical = self.names.get(str(name).lower())
        if canonical is None:
            raise QueryError("Unable to find %s in the %s Entity." % (name, self.entity.name))
        if canonical in self.entity.not_queryable:
            raise QueryError("The field %s cannot be queried on the %s Entity." % (canonical, self.entity.name))
        return canonical

    def coerce(self, field_name, value):
        ftype = self.entity.fields[field_name]
        if value is None:
            return None
        if ftype == "boolean":
            if not isinstance(value, bool):
                raise QueryError("Boolean values must be true or false (field %s)." % field_name)
            return value
        try:
            if ftype in ("integer", "long"):
                return int(value)
            if ftype == "double":
                return float(value)
        except (TypeError, ValueError):
            raise QueryError("Value %r is not valid for field %s." % (value, field_name))
        return str(value)

    def compile(self, items):
        preds = [p for p in (self.compile_one(item) for item in items) if p is not None]
        return lambda rec: all(p(rec) for p in preds)

    def compile_one(self, item):
        if not isinstance(item, dict):
            raise QueryError("Each filter must be a JSON object.")
        op = str(_ci_get(item, "op", "")).lower()
        if op in GROUPS:
            subs = [p for p in (self.compile_one(i) for i in (_ci_get(item, "items") or [])) if p is not None]
            if op == "and":
                return lambda rec: all(p(rec) for p in subs)
            return lambda rec: any(p(rec) for p in subs)
        if op not in COMPARISONS:
            if self.strict:
                raise QueryError("Invalid filter operator: %s" % op)
            return None  # the real service silently ignores unknown operators
        if _ci_get(item, "udf"):
            raise QueryError("The %s Entity has no user-defined field %s." % (self.entity.name, _ci_get(item, "field")))
        name = self.field(_ci_get(item, "field"))
        raw = _ci_get(item, "value")
        if op in ("exist", "notexist"):
            present = (lambda rec: rec.get(name) not in (None, ""))
            return present if op == "exist" else (lambda rec: not present(rec))
        if op in ("in", "notin"):
            if not isinstance(raw, list):
                raise QueryError("The %s operator needs a list value." % op)
            values = {self._norm(self.coerce(name, v)) for v in raw}
            if op == "in":
                return lambda rec: self._norm(rec.get(name)) in values
            return lambda rec: self._norm(rec.get(name)) not in values
        value = self._norm(self.coerce(name, raw))
        return self._comparison(op, name, value)

    @staticmethod
    def _norm(value):
        return value.lower() if isinstance(value, str) else value

    def _comparison(self, op, name, value):
        def have(rec):
            return self._norm(rec.get(name))

        if op == "eq":
            return lambda rec: have(rec) == value
        if op == "noteq":
            return lambda rec: have(rec) != value
        if op in ("beginswith", "endswith", "contains"):
            text = str(value)
            fn = {"beginswith": str.startswith, "endswith": str.endswith,
                  "contains": lambda a, b: b in a}[op]
            return lambda rec: have(rec) is not None and fn(str(have(rec)), text)
        cmp = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
               "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}[op]

        def pred(rec):
            h = have(rec)
            if h is None or value is None:
                return False
            try:
                return cmp(h, value)
            except TypeError:
                return False
        return pred


def project(entity, record, include):
    if not include:
        return dict(record)
    names = {n.lower(): n for n in entity.fields}
    out = {"id": record["id"]}
    for name in include:
        canonical = names.get(str(name).lower())
        if canonical is None:
            raise QueryError("Unable to find %s in the %s Entity." % (name, entity.name))
        out[canonical] = record.get(canonical)
    return out


def run(entity, records, body, strict_operators=False):
    """All matching records (sorted by id) plus the page size and includeFields."""
    filters, max_records, include = parse_query_model(body)
    predicate = Compiler(entity, strict_operators).compile(filters)
    matched = [r for r in records if predicate(r)]
    matched.sort(key=lambda r: r["id"])
    return matched, max_records, include


def page(entity, matched, max_records, include, base_url, paging=None, search=None):
    """One page of results with pageDetails; ``search`` is set for GET-originated queries."""
    paging = paging or {}
    after = (paging.get("nextIds") or [None])[0]
    previous = list(paging.get("previousIds") or [])
    rows = [r for r in matched if after is None or r["id"] > after]
    current = rows[:max_records]
    more = len(rows) > max_records

    def url(next_ids, prev_ids):
        p = json.dumps({"pageSize": max_records, "previousIds": prev_ids, "nextIds": next_ids},
                       separators=(",", ":"))
        u = "%sV1.0/%s/query/next?paging=%s" % (base_url, entity.path, quote(p, safe=""))
        if search is not None:
            u += "&search=" + quote(search, safe="")
        return u

    next_url = url([current[-1]["id"]], previous + [after if after is not None else -1]) if more and current else None
    prev_url = None
    if previous:
        back = previous[-1]
        prev_url = url([back] if back != -1 else [-1], previous[:-1])
    items = [project(entity, r, include) for r in current]
    return {"items": items, "pageDetails": {"count": len(items), "requestCount": max_records,
                                            "prevPageUrl": prev_url, "nextPageUrl": next_url}}
