"""ConnectWise ``conditions`` language (Developer Guide "Conditions"): field op value, and/or, parentheses.

Values: "quoted strings" (backslash escapes \\" and \\\\), numbers, True/False, null, [dates] and
(lists) for in / not in. Operators: = != < <= > >= like, not like, contains, not contains, in, not in;
``like`` takes ``*`` or ``%`` as wildcards. Fields may be nested with ``/`` (``securityRole/id``); a path
through an array matches when any element does (``childConditions``). Keywords are case-insensitive;
string comparison too. [dates] compare as instants with a date-time field.

``childConditions`` and ``customFieldConditions`` are separate query parameters with the same grammar:
the first over a record's child collections, the second over each element of its ``customFields`` (a
record matches when one custom field meets the whole expression).
"""
import datetime
import re


class ConditionError(ValueError):
    pass


TOKEN = re.compile(r"""
    \s*(?:
      (?P<lpar>\() | (?P<rpar>\)) | (?P<comma>,) |
      (?P<string>"(?:[^"\\]|\\.)*") |
      (?P<date>\[[^\]]*\]) |
      (?P<op><=|>=|!=|=|<|>) |
      (?P<number>-?\d+(?:\.\d+)?(?![\w/])) |
      (?P<word>[A-Za-z_][\w/.]*)
    )""", re.X)


def tokenize(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionError("Cannot parse conditions at position %d: %r" % (pos, text[pos:pos + 20]))
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
    return out


class Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, offset=0):
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        if not self.tokens:
            return lambda rec: True
        expr = self.expr()
        if self.i != len(self.tokens):
            raise ConditionError("Unexpected %r in conditions" % (self.peek()[1],))
        return expr

    def expr(self):
        left = self.term()
        while self.peek()[0] == "word" and self.peek()[1].lower() in ("and", "or"):
            op = self.take()[1].lower()
            right = self.term()
            left = (lambda a, b: lambda rec: a(rec) and b(rec))(left, right) if op == "and" \
                else (lambda a, b: lambda rec: a(rec) or b(rec))(left, right)
        return left

    def term(self):
        if self.peek()[0] == "lpar":
            self.take()
            inner = self.expr()
            if self.take()[0] != "rpar":
                raise ConditionError("Missing ) in conditions")
            return inner
        kind, field = self.take()
        if kind != "word":
            raise ConditionError("Expected a field name, got %r" % (field,))
        op = self.operator()
        if op in ("in", "not in"):
            values = self.value_list()
            norm = {_norm(v) for v in values}
            return (lambda f, n, neg: lambda rec: any(_norm(v) in n for v in resolve_all(rec, f)) != neg)(
                field, norm, op == "not in")
        value = self.value()
        return comparison(field, op, value)

    def operator(self):
        kind, val = self.take()
        if kind == "op":
            return val
        if kind == "word":
            low = val.lower()
            if low == "not" and self.peek()[0] == "word" and self.peek()[1].lower() in ("like", "in", "contains"):
                return "not " + self.take()[1].lower()
            if low in ("like", "contains", "in"):
                return low
        raise ConditionError("Unknown operator %r in conditions" % (val,))

    def value(self):
        kind, val = self.take()
        if kind == "string":
            return val
        if kind == "number":
            return float(val) if "." in val else int(val)
        if kind == "date":
            return DateValue(val[1:-1].strip())
        if kind == "word" and val.lower() in ("true", "false"):
            return val.lower() == "true"
        if kind == "word" and val.lower() == "null":
            return None
        raise ConditionError("Invalid value %r in conditions: strings must be in double quotes" % (val,))

    def value_list(self):
        if self.take()[0] != "lpar":
            raise ConditionError("in needs a (list)")
        values = [self.value()]
        while self.peek()[0] == "comma":
            self.take()
            values.append(self.value())
        if self.take()[0] != "rpar":
            raise ConditionError("Missing ) after in-list")
        return values


class DateValue(str):
    """A [bracketed] date-time of the grammar."""

    def instant(self):
        return parse_instant(self)


def parse_instant(text):
    value = str(text).strip()
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ConditionError("Invalid date [%s] in conditions: use [yyyy-MM-ddTHH:mm:ssZ]" % value)


def resolve_all(record, path):
    """Every value at path: one for a plain field, one per element where the path crosses an array."""
    current = [record]
    for part in path.split("/"):
        following = []
        for cur in current:
            for item in (cur if isinstance(cur, list) else [cur]):
                if not isinstance(item, dict):
                    continue
                match = [k for k in item if k.lower() == part.lower()]
                if not match:
                    raise ConditionError("Unknown field %s in conditions" % path)
                following.append(item[match[0]])
        current = following
    out = []
    for value in current:
        out.extend(value if isinstance(value, list) else [value])
    return out or [None]


def resolve(record, path):
    values = resolve_all(record, path)
    return values[0] if len(values) == 1 else values


def _norm(v):
    return v.lower() if isinstance(v, str) else v


def compare_one(have, op, value):
    if isinstance(value, DateValue) and have is not None:
        try:
            have, want = parse_instant(have), value.instant()
        except ConditionError:
            return False
    else:
        have, want = _norm(have), _norm(value)
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    if op in ("like", "not like", "contains", "not contains"):
        if have is None:
            return op.startswith("not")
        if op.endswith("contains"):
            hit = str(want) in str(have)
        else:
            pattern = "^" + ".*".join(re.escape(p) for p in re.split(r"[*%]", str(want))) + "$"
            hit = re.match(pattern, str(have)) is not None
        return hit != op.startswith("not")
    if have is None or want is None:
        return False
    try:
        return {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[op]
    except TypeError:
        return False


def comparison(field, op, value):
    if isinstance(value, DateValue):
        value.instant()  # a malformed date is refused before any record is read

    def pred(rec):
        return any(compare_one(have, op, value) for have in resolve_all(rec, field))
    return pred


def compile_conditions(text):
    return Parser(text or "").parse()


def compile_query(conditions=None, child_conditions=None, custom_field_conditions=None):
    """One predicate for the three condition parameters of a list or count request (all must hold)."""
    preds = [compile_conditions(text) for text in (conditions, child_conditions) if text]
    if custom_field_conditions:
        custom = compile_conditions(custom_field_conditions)
        preds.append(lambda rec: any(custom(cf) for cf in rec.get("customFields") or [] if isinstance(cf, dict)))
    return lambda rec: all(p(rec) for p in preds)
