"""ConnectWise ``conditions`` language: field op value, and/or, parentheses.

Values: "quoted strings" (backslash escapes \\" and \\\\), numbers, True/False, null, [dates] and
(lists) for in / not in. Operators: = != < <= > >= like, not like, contains, in, not in. Fields may
be nested with ``/`` (``securityRole/id``). Keywords are case-insensitive; string comparison too.
"""
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
            return (lambda f, n, neg: lambda rec: (_norm(resolve(rec, f)) in n) != neg)(field, norm, op == "not in")
        value = self.value()
        return comparison(field, op, value)

    def operator(self):
        kind, val = self.take()
        if kind == "op":
            return val
        if kind == "word":
            low = val.lower()
            if low == "not" and self.peek()[0] == "word" and self.peek()[1].lower() in ("like", "in"):
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
            return val[1:-1].strip()
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


def resolve(record, path):
    cur = record
    for part in path.split("/"):
        if not isinstance(cur, dict):
            return None
        match = [k for k in cur if k.lower() == part.lower()]
        if not match:
            raise ConditionError("Unknown field %s in conditions" % path)
        cur = cur[match[0]]
    return cur


def _norm(v):
    return v.lower() if isinstance(v, str) else v


def comparison(field, op, value):
    def pred(rec):
        have = _norm(resolve(rec, field))
        want = _norm(value)
        if op == "=":
            return have == want
        if op == "!=":
            return have != want
        if op in ("like", "not like", "contains"):
            if have is None:
                return op == "not like"
            pattern = "^" + ".*".join(re.escape(p) for p in str(want).split("*")) + "$"
            hit = re.match(pattern, str(have)) is not None if op != "contains" else str(want) in str(have)
            return hit if op != "not like" else not hit
        if have is None or want is None:
            return False
        try:
            return {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[op]
        except TypeError:
            return False
    return pred


def compile_conditions(text):
    return Parser(text or "").parse()
