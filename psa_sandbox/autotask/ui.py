"""What only the Autotask web UI can do, with the UI's own rules (used by seeds and /_sandbox/)."""
import hashlib

from .entities import API_USER_LICENSE
from .store import USERNAME_FORBIDDEN, ApiCredential, generate_secret, generate_tracking_identifier

DEFAULT_VENDORS = [
    "Wise-Sync",
    "Datto File Protection & Datto Workplace",
    "AutoElevate - privilege management tools",
    "Sync 365 License",
    "JumpCloud",
]


def vendor_code(name):
    """A stable 27-character tracking identifier for a catalogue vendor (only the vendor knows it)."""
    return hashlib.sha256(("vendor:" + name).encode()).hexdigest().upper()[:27]


class UIError(ValueError):
    """A form the UI would refuse; ``field`` names the form field."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field


def validate_username(sandbox, db, local_part):
    if not local_part or not isinstance(local_part, str):
        raise UIError("userName", "is required")
    bad = sorted(set(local_part) & USERNAME_FORBIDDEN)
    if bad:
        raise UIError("userName", "may not contain %s" % " ".join(bad))
    if not (any(c.isalpha() for c in local_part) and any(c.isdigit() for c in local_part)):
        raise UIError("userName", "must contain letters and numbers")
    full = "%s@%s" % (local_part, db.domain)
    if db.resource_by_username(full) or sandbox.find_user(full):
        raise UIError("userName", "%s is already used by another resource (including inactive ones)" % full)
    return full


def validate_secret(db, secret):
    if not isinstance(secret, str) or len(secret) < db.password_min_length:
        raise UIError("secret", "must be at least %d characters" % db.password_min_length)
    if not (any(c.isalpha() for c in secret) and any(c.isdigit() for c in secret)):
        raise UIError("secret", "must contain letters and digits")
    return secret


def _lookup(db, path, name, field):
    if name in (None, ""):
        return None
    for rec in db.snapshot(path):
        if str(rec.get("name", "")).lower() == str(name).lower() or rec["id"] == name:
            return rec
    raise UIError(field, "no %s named %r in database %s" % (path[:-1], name, db.name))


def create_api_user(sandbox, db, form, full_username=None):
    """Admin > Resources/Users (HR) > Resources/Users > New > New API User, then Save & Close.

    ``form`` keys: firstName, lastName, email, userName (local part; the database domain is added),
    secret (omitted: Generate), securityLevel (label, API-only levels), integrationVendor (label) or
    customIntegration (true; the UI generates the tracking identifier, or trackingIdentifier given),
    location, isActive, internalCost, defaultDepartment, defaultRole, notRequiredToSubmitTimesheets.
    Returns (resource, secret, tracking identifier for custom integrations or None).
    """
    for name in ("firstName", "lastName", "email"):
        if not form.get(name):
            raise UIError(name, "is required")
    username = full_username or validate_username(sandbox, db, form.get("userName"))
    secret = validate_secret(db, form["secret"]) if form.get("secret") else generate_secret()
    level = db.security_level_by_name(form.get("securityLevel") or "")
    if level is None:
        raise UIError("securityLevel", "choose one of: %s" % ", ".join(
            sorted(lvl.name for lvl in db.security_levels.values() if lvl.api_only)))
    if not level.api_only:
        raise UIError("securityLevel", "%s is not an API-only security level" % level.name)
    vendor, custom = form.get("integrationVendor"), form.get("customIntegration")
    if bool(vendor) == bool(custom):
        raise UIError("apiTrackingIdentifier", "select either an Integration Vendor or Custom (Internal Integration)")
    if vendor:
        match = [v for v in sandbox.vendors if v.lower() == str(vendor).lower()]
        if not match:
            raise UIError("integrationVendor", "unknown vendor %r; the list has: %s" % (vendor, ", ".join(sandbox.vendors)))
        credential = ApiCredential(secret, "vendor", sandbox.vendors[match[0]], vendor=match[0])
    else:
        code = form.get("trackingIdentifier") or generate_tracking_identifier()
        credential = ApiCredential(secret, "custom", code)
    location = _lookup(db, "internallocations", form.get("location"), "location")
    if location is None:
        defaults = [r for r in db.snapshot("internallocations") if r.get("isDefault")] or db.snapshot("internallocations")
        location = defaults[0] if defaults else None
    department = _lookup(db, "departments", form.get("defaultDepartment"), "defaultDepartment")
    role = _lookup(db, "roles", form.get("defaultRole"), "defaultRole")
    resource = db.insert("resources", {
        "firstName": form["firstName"], "lastName": form["lastName"], "email": form["email"],
        "emailTypeCode": "PRIMARY", "userName": username, "isActive": form.get("isActive", True),
        "licenseType": API_USER_LICENSE, "userType": level.id, "resourceType": "Employee",
        "locationID": location["id"] if location else None,
        # a non-null double the form does not show (SOAP metadata: `double InternalCost`, read-only): 0.0 unless
        # a seed describes otherwise
        "internalCost": form.get("internalCost") if form.get("internalCost") is not None else 0.0, "payrollType": 1,
        "dateFormat": "MM/dd/yyyy", "timeFormat": "hh:mm a", "numberFormat": "X,XXX.XX",
        "title": form.get("title", ""), "id": form.get("id"),
    })
    db.credentials[resource["id"]] = credential
    db.extra.setdefault(resource["id"], {})["notRequiredToSubmitTimesheets"] = bool(
        form.get("notRequiredToSubmitTimesheets", False))
    if department and role:
        db.insert("resourceroledepartments", {"resourceID": resource["id"], "roleID": role["id"],
                                              "departmentID": department["id"], "isActive": True,
                                              "isDefault": True, "isDepartmentLead": False})
    sandbox.index_user(username, db)
    return resource, secret, (credential.tracking_code if credential.tracking_kind == "custom" else None)


def create_employee(sandbox, db, form):
    """A normal (non-API) resource, for orphan and licence tests."""
    username = "%s@%s" % (form["userName"], db.domain) if "@" not in form["userName"] else form["userName"]
    level = db.security_level_by_name(form.get("securityLevel", "Full Access (system)"))
    resource = db.insert("resources", {
        "firstName": form["firstName"], "lastName": form["lastName"], "email": form.get("email", ""),
        "userName": username, "isActive": form.get("isActive", True), "licenseType": form.get("licenseType", 3),
        "userType": level.id, "resourceType": "Employee", "internalCost": form.get("internalCost") or 0.0,
        "id": form.get("id"),
    })
    if form.get("secret"):
        db.credentials[resource["id"]] = ApiCredential(form["secret"], "custom", generate_tracking_identifier())
    sandbox.index_user(username, db)
    return resource


def edit_api_user(sandbox, db, resource_id, form):
    """Edit on the API user page: security level, tracking identifier, active, name fields."""
    resource = db.get("resources", resource_id)
    credential = db.credentials.get(resource_id)
    if resource is None or credential is None:
        raise UIError("id", "no API user with id %s in database %s" % (resource_id, db.name))
    changes = {}
    if "securityLevel" in form:
        level = db.security_level_by_name(form["securityLevel"])
        if level is None or not level.api_only:
            raise UIError("securityLevel", "%r is not an API-only security level" % form["securityLevel"])
        changes["userType"] = level.id
    for name in ("firstName", "lastName", "email", "isActive", "internalCost", "title"):
        if name in form:
            changes[name] = form[name]
    if form.get("integrationVendor"):
        match = [v for v in sandbox.vendors if v.lower() == form["integrationVendor"].lower()]
        if not match:
            raise UIError("integrationVendor", "unknown vendor %r" % form["integrationVendor"])
        credential.tracking_kind, credential.vendor = "vendor", match[0]
        credential.tracking_code = sandbox.vendors[match[0]]
    elif form.get("customIntegration"):
        credential.tracking_kind, credential.vendor = "custom", None
        credential.tracking_code = form.get("trackingIdentifier") or generate_tracking_identifier()
    with db.lock:
        db.records["resources"][resource_id].update(changes)
    return db.get("resources", resource_id)


def reset_secret(db, resource_id, secret=None):
    credential = db.credentials.get(resource_id)
    if credential is None:
        raise UIError("id", "no API user with id %s" % resource_id)
    credential.secret = validate_secret(db, secret) if secret else generate_secret()
    credential.failed_logins = 0
    return credential.secret


def unlock(db, resource_id):
    credential = db.credentials.get(resource_id)
    if credential is None:
        raise UIError("id", "no API user with id %s" % resource_id)
    credential.locked = False
    credential.failed_logins = 0
