# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""Discovery: read a tenant's existing API users, match them to the vendor profiles by the profiles' own
naming rules, and write a starter declaration (the tenant's inventory host vars) that converges with no
change.

Shared by ``autotask_api_user_discovery`` and ``connectwise_api_member_discovery``. The matching and the
overrides work on the providers' friendly views (:meth:`AutotaskProvider.view`, :func:`member_view`), so
they are pure; the file policy (never clobber a declaration the admin edited) is pure too, apart from the
few reads and atomic writes in :func:`write_declaration`.

Naming rules (the same ones the ``msp.psa.autotask_users`` / ``connectwise_members`` filters use to build
the declared users):

- Autotask: a profile's ``username`` is the part before ``@`` of the API username; its ``email_local``
  (default: ``username``) is the part before ``@`` of the email address. A user whose username part is the
  profile's is matched first; else one whose email part is the profile's email part (then the username
  becomes an override).
- ConnectWise: a profile's ``identifier`` is the API member's Member ID.

Only active users are declared: a declared user is active, so declaring an inactive one would reactivate
it. The fields the profile sets and the user has otherwise become ``profile_overrides``; a field the user
does not have at all becomes a ``null`` override (left unmanaged)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import os
import re
import tempfile
import textwrap

from ansible_collections.msp.psa.plugins.module_utils._declaration import OVERRIDE_KEYS

PSA_LABELS = {"autotask": "Autotask", "connectwise": "ConnectWise"}
# Compared per field (only where the profile sets a value), in the schema's order
AUTOTASK_FIELDS = ("first_name", "last_name", "security_level", "location", "internal_cost")
AUTOTASK_CASEFOLD = ("security_level", "location")
AUTOTASK_UNREADABLE = {
    "integration_vendor": "the API tracking identifier (Integration Vendor) is not exposed by Autotask's REST API",
    "custom_integration": "the API tracking identifier (Custom (Internal Integration)) is not exposed by Autotask's "
                          "REST API",
    "timesheets_not_required": "'Resource is not required to submit timesheets' is not exposed by the REST API",
}
CONNECTWISE_FIELDS = ("name", "email", "security_role", "default_department", "default_location", "security_location",
                      "structure_level", "time_zone", "notes")
CONNECTWISE_EXACT = ("name", "notes")
KEYS_NOT_READABLE = ("ConnectWise's API lists no member's API keys, so whether the member has a key pair is not knowable; "
                     "the first converge reports its pair as unknown_secret until you store the pair its vendor tool "
                     "uses (or rotate it)")
AUTOTASK_KEY_ORDER = ("psa", "autotask_domain", "autotask_email_domain", "vendor_profiles", "profile_overrides",
                      "ignore_usernames")
CONNECTWISE_KEY_ORDER = ("psa", "connectwise_company", "connectwise_site", "connectwise_own_identifier",
                         "vendor_profiles", "profile_overrides")


# -- matching ----------------------------------------------------------------------------------
def local_part(address):
    return str(address or "").split("@", 1)[0]


def domain_part(address):
    text = str(address or "")
    return text.split("@", 1)[1] if "@" in text else None


def _low(text):
    return str(text or "").lower()


def _user_entry(psa, user, reason, profile=None):
    """One unmatched user or member, as returned and as commented in the declaration."""
    if psa == "autotask":
        out = {"username": user.get("username"), "id": user.get("id"),
               "name": " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or None,
               "email": user.get("email"), "active": user.get("active"), "security_level": user.get("security_level")}
    else:
        out = {"identifier": user.get("identifier"), "id": user.get("id"), "name": user.get("name"),
               "email": user.get("email"), "active": user.get("active"), "security_role": user.get("security_role")}
    out["reason"] = reason
    if profile:
        out["profile"] = profile
    return out


def match(psa, sections, users, own=None, ignore=()):
    """Match users (friendly views) to profiles (name -> the profile's section for ``psa``).

    Returns ``(matched, unmatched, excluded)``: ``matched`` profile -> (user, how), ``unmatched`` the users
    matched to no profile (each with a ``reason``), ``excluded`` the collection's own user and the ignored ones.
    Autotask matches by username part first (over all profiles), then by email part; ConnectWise by
    identifier. A profile with several active candidates under one rule is matched to none of them."""
    key = "username" if psa == "autotask" else "identifier"
    own = _low(own)
    ignore = set(_low(i) for i in ignore or ())
    pool, excluded = [], []
    for user in sorted(users, key=lambda u: _low(u.get(key))):
        name = _low(user.get(key))
        if own and name in (own, _low(local_part(own))):
            excluded.append({key: user.get(key), "why": "the collection's own API user"})
        elif name in ignore or _low(local_part(user.get(key))) in ignore:
            excluded.append({key: user.get(key), "why": "in the ignore list"})
        else:
            pool.append(user)
    if psa == "autotask":
        rules = [("username", lambda s: _low(s["username"]), lambda u: _low(local_part(u.get("username")))),
                 ("email", lambda s: _low(s.get("email_local", s["username"])), lambda u: _low(local_part(u.get("email"))))]
    else:
        rules = [("identifier", lambda s: _low(s["identifier"]), lambda u: _low(u.get("identifier")))]
    matched, taken, notes = {}, set(), {}
    for how, want_of, have_of in rules:
        for profile in sorted(sections):
            if profile in matched:
                continue
            want = want_of(sections[profile])
            found = [u for u in pool if id(u) not in taken and want and have_of(u) == want]
            active = [u for u in found if u.get("active")]
            for u in found:
                if not u.get("active"):
                    notes.setdefault(id(u), (
                        "inactive; named like vendor profile %s (by %s). Not declared: a declared user is active, so "
                        "declaring it would reactivate it." % (profile, how), profile))
            if len(active) == 1:
                matched[profile] = (active[0], how)
                taken.add(id(active[0]))
            elif len(active) > 1:
                for u in active:
                    notes[id(u)] = ("%d active API users are named like vendor profile %s (by %s); declare the one in "
                                    "use (override %s) and the others in ignore_usernames or retire them." % (
                                        len(active), profile, how, "username" if psa == "autotask" else "identifier"),
                                    profile)
                taken.update(id(u) for u in active)
    unmatched = []
    for user in pool:
        if any(user is m[0] for m in matched.values()):
            continue
        reason, profile = notes.get(id(user), (None, None))
        if reason is None and not user.get("active"):
            reason = "inactive; matched to no vendor profile (an inactive user is no drift)"
        elif reason is None:
            reason = "%s matched to no vendor profile; %s (an active %s declared nowhere is drift)" % (
                "API user" if psa == "autotask" else "API member",
                "declare it or add it to ignore_usernames" if psa == "autotask" else
                "declare it (a vendor profile with its identifier) or retire it (retire_orphans: true)",
                "user" if psa == "autotask" else "member")
        unmatched.append(_user_entry(psa, user, reason, profile))
    return matched, unmatched, excluded


# -- overrides ---------------------------------------------------------------------------------
def _same(want, have, casefold=False):
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return abs(float(want) - float(have)) < 1e-9
        except (TypeError, ValueError):
            return False
    if casefold:
        return _low(want) == _low(have)
    return want == have


def autotask_overrides(section, user, email_domain, role_departments=None):
    """(overrides, differences, notes, unverifiable) for one matched Autotask user: the profile's settings that
    the user has otherwise. ``role_departments`` is the user's [(role, department, active, default)] (only read when the
    profile sets a default role/department)."""
    overrides, differences, notes = {}, [], []

    def differ(key, want, have, comment=None):
        overrides[key] = have
        differences.append({"field": key, "profile": want, "psa": have, "comment": comment})

    local = local_part(user.get("username"))
    if _low(local) != _low(section["username"]):
        differ("username", section["username"], local)
    merged = dict(section, **overrides)
    want_local = merged.get("email_local", merged["username"])
    email = user.get("email")
    if not email:
        notes.append("has no email address; the converge sets %s@%s (an override cannot leave the email "
                     "unmanaged)" % (want_local, email_domain))
    else:
        if _low(local_part(email)) != _low(want_local):
            differ("email_local", want_local, local_part(email))
        if _low(domain_part(email)) != _low(email_domain):
            notes.append("its email %s is not in the tenant's email domain %s; the converge would change it to "
                         "%s@%s (the email domain is one per tenant)" % (
                             email, email_domain, local_part(email), email_domain))
    for key in AUTOTASK_FIELDS:
        want = section.get(key)
        if want is None:
            continue
        have = user.get(key)
        if have is None:
            differ(key, want, None, "not set in the PSA; null leaves it unmanaged")
        elif not _same(want, have, key in AUTOTASK_CASEFOLD):
            differ(key, want, have)
    if section.get("default_role") is not None or section.get("default_department") is not None:
        pairs = role_departments or []
        wanted = (_low(section.get("default_role")), _low(section.get("default_department")))
        if not any(active and (_low(r), _low(d)) == wanted for r, d, active, dummy in pairs):
            current = [p for p in pairs if p[2] and p[3]] or [p for p in pairs if p[2]]
            role, dep = (current[0][0], current[0][1]) if current else (None, None)
            comment = None if current else "no role/department association in the PSA; null leaves it unmanaged"
            differ("default_department", section.get("default_department"), dep, comment)
            differ("default_role", section.get("default_role"), role, comment)
    unverifiable = [{"field": k, "profile": section[k], "why": AUTOTASK_UNREADABLE[k]}
                    for k in AUTOTASK_UNREADABLE if section.get(k) is not None]
    return _ordered(overrides, "autotask"), differences, notes, unverifiable


def connectwise_overrides(section, member):
    """(overrides, differences, notes, unverifiable) for one matched ConnectWise API member."""
    overrides, differences = {}, []
    for key in CONNECTWISE_FIELDS:
        want = section.get(key)
        if want is None:
            continue
        have = member.get(key)
        if key == "default_department" and (_same(want, member.get("default_department_identifier"), True)):
            continue
        if have is None:
            overrides[key] = None
            differences.append({"field": key, "profile": want, "psa": None,
                                "comment": "not set in the PSA; null leaves it unmanaged"})
        elif not _same(want, have, key not in CONNECTWISE_EXACT):
            value = member.get("default_department_identifier") or have if key == "default_department" else have
            overrides[key] = value
            differences.append({"field": key, "profile": want, "psa": value, "comment": None})
    unverifiable = [{"field": "api_key", "profile": section.get("key_description"), "why": KEYS_NOT_READABLE}]
    if section.get("role_permissions"):
        role = overrides.get("security_role", section.get("security_role"))
        unverifiable.append({"field": "role_permissions", "profile": len(section["role_permissions"]),
                             "why": "the levels of security role %s are compared with the vendor's by the converge "
                                    "(UI-only: gaps become manual steps, never a change)" % role})
    return _ordered(overrides, "connectwise"), differences, [], unverifiable


def _ordered(overrides, psa):
    return dict((k, overrides[k]) for k in OVERRIDE_KEYS[psa] if k in overrides)


# -- the declaration ---------------------------------------------------------------------------
def email_domain_of(users, domain):
    """The tenant's email domain: the one most matched users have (the username domain on a tie or none)."""
    counts = {}
    for user in users:
        d = _low(domain_part(user.get("email")))
        if d:
            counts[d] = counts.get(d, 0) + 1
    if not counts:
        return domain
    best = max(counts.values())
    if counts.get(_low(domain)) == best:
        return domain
    return sorted(d for d, n in counts.items() if n == best)[0]


def build(psa, tenant, sections, users, own=None, ignore=(), settings=None, role_departments=None):
    """The whole discovery of one tenant from its users' views.

    ``sections``: profile name -> the profile's section for ``psa``. ``settings``: the tenant's declaration
    keys that are not about users (Autotask: ``autotask_domain``; ConnectWise: ``connectwise_company``,
    ``connectwise_site``, ``connectwise_own_identifier``). ``role_departments``: Autotask username (lower) ->
    [(role, department, active, default)]. Returns the module result (without the file)."""
    settings = dict(settings or {})
    matched, unmatched, excluded = match(psa, sections, users, own, ignore)
    out_matched, overrides = {}, {}
    declaration = {"psa": psa}
    if psa == "autotask":
        domain = settings.get("autotask_domain")
        email_domain = email_domain_of([m[0] for m in matched.values()], domain)
        declaration["autotask_domain"] = domain
        if _low(email_domain) != _low(domain):
            declaration["autotask_email_domain"] = email_domain
    else:
        for key in ("connectwise_company", "connectwise_site", "connectwise_own_identifier"):
            if settings.get(key):
                declaration[key] = settings[key]
    for profile in sorted(matched):
        user, how = matched[profile]
        section = sections[profile]
        if psa == "autotask":
            found, differences, notes, unverifiable = autotask_overrides(
                section, user, email_domain, (role_departments or {}).get(_low(user.get("username"))))
            if _low(domain_part(user.get("username"))) not in ("", _low(domain)):
                notes.append("its username is not in the tenant's domain %s" % domain)
        else:
            found, differences, notes, unverifiable = connectwise_overrides(section, user)
        key = "username" if psa == "autotask" else "identifier"
        out_matched[profile] = {key: user.get(key), "id": user.get("id"), "matched_by": how, "overrides": found,
                                "differences": differences, "notes": notes, "unverifiable": unverifiable}
        if found:
            overrides[profile] = found
    declaration["vendor_profiles"] = sorted(matched)
    declaration["profile_overrides"] = overrides
    if psa == "autotask" and ignore:
        declaration["ignore_usernames"] = list(ignore)
    result = {"tenant": tenant, "psa": psa, "matched": out_matched, "unmatched": unmatched, "excluded": excluded,
              "declaration": _ordered_declaration(declaration, psa),
              "summary": {"users": len(users), "matched": len(out_matched), "unmatched": len(unmatched),
                          "excluded": len(excluded), "overrides": sum(len(v) for v in overrides.values())}}
    result["host_vars"] = render(result)
    result["table"] = table(result)
    return result


def _ordered_declaration(declaration, psa):
    order = AUTOTASK_KEY_ORDER if psa == "autotask" else CONNECTWISE_KEY_ORDER
    return dict((k, declaration[k]) for k in order if k in declaration)


# -- YAML with comments (no YAML library needed: the values are plain scalars) -----------------
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._@()/&+,'-]*$")
_YAML_WORDS = ("y", "n", "yes", "no", "true", "false", "on", "off", "null")


def scalar(value):
    """One YAML scalar: plain where that is unambiguous, else a JSON (double-quoted) string."""
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and not text.endswith(" ") and text.lower() not in _YAML_WORDS and " #" not in text:
        return text
    return json.dumps(text)


def _comment(text):
    return "  # " + " ".join(str(text).split()) if text else ""


def _describe(user, key):
    return user.get(key) or "?"


def _block(text, indent=""):
    """A standalone comment, wrapped at 110 columns."""
    lines = textwrap.wrap(" ".join(str(text).split()), 108 - len(indent), break_on_hyphens=False,
                          break_long_words=False)
    return [indent + "# " + lines[0]] + [indent + "#   " + line for line in lines[1:]]


def render(result):
    """The starter declaration as host vars YAML: stable key order, every choice explained in a comment."""
    psa, tenant, decl = result["psa"], result["tenant"], result["declaration"]
    key = "username" if psa == "autotask" else "identifier"
    lines = ["---",
             "# Starter declaration of tenant %s (%s), written by msp.psa discovery (playbooks/discover.yml)" % (
                 tenant, PSA_LABELS[psa]),
             "# from the API %s the PSA has. Review it, then keep it as the tenant's inventory host_vars." % (
                 "users" if psa == "autotask" else "members"),
             "# Discovery never overwrites this file once you edit it: it writes %s.yml.new next to it." % tenant]
    for name, value in decl.items():
        if name == "vendor_profiles":
            if not value:
                lines.append("vendor_profiles: []  # no existing API user matched a vendor profile")
                continue
            lines.append("vendor_profiles:")
            for profile in value:
                m = result["matched"][profile]
                lines.append("  - %s%s" % (scalar(profile), _comment("%s (matched by %s)" % (m[key], m["matched_by"]))))
                for note in m["notes"]:
                    lines.extend(_block("note: " + note, "    "))
        elif name == "profile_overrides":
            if not value:
                lines.append("profile_overrides: {}  # every matched user has the vendor profile's settings")
                continue
            lines.append("profile_overrides:")
            for profile, found in value.items():
                lines.append("  %s:" % scalar(profile))
                why = dict((d["field"], d) for d in result["matched"][profile]["differences"])
                for field, have in found.items():
                    d = why.get(field) or {}
                    comment = d.get("comment") or ("profile: %s" % scalar(d.get("profile")))
                    lines.append("    %s: %s%s" % (field, scalar(have), _comment(comment)))
        elif isinstance(value, list):
            lines.append("%s:" % name)
            lines.extend("  - %s" % scalar(v) for v in value)
        else:
            lines.append("%s: %s" % (name, scalar(value)))
    unverifiable = sorted(set(u["field"] for m in result["matched"].values() for u in m["unverifiable"]
                              if u["field"] != "role_permissions"))
    if unverifiable:
        lines.extend(_block("Not readable through the API, so not compared: %s. Verify them in the %s UI." % (
            ", ".join(unverifiable), PSA_LABELS[psa]) if psa == "autotask" else
            "API key pairs: %s." % KEYS_NOT_READABLE.replace("the member has", "a member has")))
    if result["unmatched"]:
        lines.append("# Not declared (review each):")
        for u in result["unmatched"]:
            lines.extend(_block("%s: %s" % (_describe(u, key), u["reason"])))
    return "\n".join(lines) + "\n"


def _cell(text):
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def table(result):
    """Rows of the discovery report: one per matched profile and per unmatched user."""
    key = "username" if result["psa"] == "autotask" else "identifier"
    rows = []
    for profile in sorted(result["matched"]):
        m = result["matched"][profile]
        detail = ["%s: %s (profile %s)" % (d["field"], scalar(d["psa"]), scalar(d["profile"])) for d in m["differences"]]
        detail += ["note: %s" % n for n in m["notes"]]
        rows.append({"tenant": result["tenant"], "psa": result["psa"], "profile": profile, "user": m[key],
                     "outcome": "matched by %s" % m["matched_by"],
                     "detail": _cell("; ".join(detail) or "the profile's settings")})
    for u in result["unmatched"]:
        rows.append({"tenant": result["tenant"], "psa": result["psa"], "profile": u.get("profile") or "-",
                     "user": u[key], "outcome": "inactive" if u.get("active") is False else "not matched",
                     "detail": _cell(u["reason"])})
    return rows


# -- reading the PSA -----------------------------------------------------------------------------
def autotask_sections(profiles, names=None):
    return dict((n, (p or {}).get("autotask")) for n, p in (profiles or {}).items()
                if (p or {}).get("autotask") and (not names or n in names))


def connectwise_sections(profiles, names=None):
    return dict((n, (p or {}).get("connectwise")) for n, p in (profiles or {}).items()
                if (p or {}).get("connectwise") and (not names or n in names))


def discover_autotask(provider, tenant, sections, domain, own=None, ignore=()):
    """Read every API user (one query, license type API User), their security level labels and, where a
    profile sets a default role/department, the matched users' associations; then :func:`build`."""
    records = provider.read_all([])
    want = {"security_level": True, "location": True if any(s.get("location") for s in sections.values()) else None}
    users = [provider.view(r, want) for r in records.values()]
    assoc = {}
    needs = [n for n, s in sections.items() if s.get("default_role") is not None or s.get("default_department") is not None]
    if needs:
        matched = match("autotask", dict((n, sections[n]) for n in needs), users, own, ignore)[0]
        for user, dummy in matched.values():
            rows = provider.client.children("Resources", user["id"], "RoleDepartments")
            assoc[_low(user["username"])] = [(provider.names("Roles").get(a.get("roleID")),
                                              provider.names("Departments").get(a.get("departmentID")),
                                              bool(a.get("isActive")), bool(a.get("isDefault"))) for a in rows]
    return build("autotask", tenant, sections, users, own, ignore, {"autotask_domain": domain}, assoc)


def discover_connectwise(provider, tenant, sections, own=None, settings=None):
    """Read every API member (one list) and :func:`build`. Key pairs are not readable (see KEYS_NOT_READABLE)."""
    records = provider.read_all([])
    users = [provider.view(r, {}) for r in records.values()]
    return build("connectwise", tenant, sections, users, own, (), settings)


# -- the host_vars file: never clobber an edited declaration ----------------------------------------
def _read(path):
    try:
        with open(path, "r") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def generated_path_for(dest):
    """Where the last declaration written to ``dest`` is kept (a hidden file next to it; Ansible reads only
    host_vars files named after a host)."""
    return os.path.join(os.path.dirname(dest), "." + os.path.basename(dest) + ".generated")


def unified(before, after, before_name, after_name):
    return "".join(difflib.unified_diff((before or "").splitlines(True), (after or "").splitlines(True),
                                        before_name, after_name))


def plan_file(new, current, generated, pending):
    """What to do with a freshly generated declaration ``new``, given the target's text (``current``), the
    copy of what discovery last wrote there (``generated``) and an earlier proposal (``pending``, the
    ``.new`` file); each None when the file does not exist.

    - no target: write it (``created``);
    - target untouched since discovery wrote it: replace it (``updated``) or leave it (``unchanged``);
    - target edited by the admin (or written by someone else): keep it; write the proposal to ``.new`` and
      show the difference (``kept``), unless it already says the same (``unchanged``).
    Returns the action and which files to write or remove."""
    out = {"write_dest": False, "write_new": False, "write_generated": False, "remove_new": False}
    if current is None:
        action = "created"
        out.update(write_dest=True, write_generated=True)
    elif current == new:
        action = "unchanged"
        out.update(write_generated=generated != new)
    elif generated is not None and current == generated:
        action = "updated"
        out.update(write_dest=True, write_generated=True)
    else:
        action = "kept"
        out.update(write_new=pending != new)
    if action != "kept" and pending is not None:
        out["remove_new"] = True  # an older proposal: the target now holds discovery's latest
    out["action"] = action
    return out


def _atomic_write(path, text):
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".discovery-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_declaration(dest, new, check_mode=False):
    """Carry out :func:`plan_file` for ``dest``. Returns (file result, changed, diff for --diff)."""
    dest = os.path.abspath(dest)
    new_path, gen_path = dest + ".new", generated_path_for(dest)
    current, generated, pending = _read(dest), _read(gen_path), _read(new_path)
    plan = plan_file(new, current, generated, pending)
    action = plan["action"]
    result = {"path": dest, "action": action, "new_path": new_path if action == "kept" else None,
              "generated_path": gen_path, "edited": action == "kept"}
    if action == "kept":
        result["diff"] = unified(current, new, dest + " (yours)", new_path + " (discovered)")
        diff = {"before": current, "after": new, "before_header": dest, "after_header": new_path}
    else:
        result["diff"] = unified(current, new, dest, dest) if action == "updated" else ""
        diff = {"before": current or "", "after": new, "before_header": dest, "after_header": dest}
    changed = plan["write_dest"] or plan["write_new"] or plan["write_generated"] or plan["remove_new"]
    if not check_mode:
        # exist_ok: forks discovering tenants in parallel create the same folder (a check first would race)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if plan["write_dest"]:
            _atomic_write(dest, new)
        if plan["write_new"]:
            _atomic_write(new_path, new)
        if plan["write_generated"]:
            _atomic_write(gen_path, new)
        if plan["remove_new"]:
            os.unlink(new_path)
    result["removed_new"] = plan["remove_new"]
    return result, changed, diff
