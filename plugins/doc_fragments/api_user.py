# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The options of one API user, for the singular modules (AUTOTASK, CONNECTWISE) and as the suboptions
    of the bulk modules' lists (AUTOTASK_USERS, CONNECTWISE_MEMBERS). The two forms must say the same:
    tests/unit/plugins/doc_fragments/test_api_user_fragment.py compares them."""

    AUTOTASK = r"""
options:
  username:
    description:
      - The API user's full username, including the database's domain (for example C(wisesync01@yourmsp.example)).
      - The part before the domain must contain letters and numbers, and no at sign, parentheses, semicolon,
        colon, square brackets, pipe or backslash (Autotask UI rules).
    type: str
    required: true
  state:
    description:
      - V(present) finds, verifies and updates the user; V(absent) deactivates it.
    type: str
    choices: [present, absent]
    default: present
  first_name:
    description: First name. Compared and updated only when set.
    type: str
  last_name:
    description: Last name.
    type: str
  email:
    description: Email address (compared case-insensitively).
    type: str
  active:
    description: Whether the user is active.
    type: bool
  security_level:
    description:
      - Security level by its label, for example C(API User (system)). Labels are mapped to this database's
        ids through C(Resources/entityInformation/fields).
      - Autotask sets it in the UI only; a difference is reported as drift with the UI path.
    type: str
  location:
    description: Primary internal location, by name.
    type: str
  internal_cost:
    description: Internal cost (burden rate).
    type: float
  default_department:
    description: Default department by name (with O(default_role)); a missing association is created.
    type: str
  default_role:
    description: Default role by name (with O(default_department)).
    type: str
  integration_vendor:
    description:
      - The integration vendor label the user's API tracking identifier must be (for example C(Wise-Sync)).
      - Used in the creation steps; the REST API cannot read it back (see RV(unverifiable)).
    type: str
  custom_integration:
    description:
      - The user has a Custom (Internal Integration) tracking identifier. Mutually exclusive with
        O(integration_vendor).
    type: bool
  timesheets_not_required:
    description: Used in the creation steps ("Resource is not required to submit timesheets"); not readable by the API.
    type: bool
  secret_store_path:
    description:
      - Where the user's secret waits in the secret store (for example C(secret/msp/northwind/autotask/wise_sync)).
        The steps cite this path, never a secret value.
    type: str
  when_missing:
    description:
      - V(report) returns the creation steps with C(changed=false), so a fleet run collects every tenant's
        steps in one pass; V(fail) fails the task with the steps.
    type: str
    choices: [report, fail]
    default: report
  check_credentials:
    description:
      - Log in once as the API user with O(api_user_secret) and O(api_user_integration_code) and report
        RV(credentials). Possible only for custom integrations, whose tracking identifier the admin has; for
        an integration-vendor user the module reports C(not_possible) and never probes, since failed logins
        count towards Autotask's lockout.
    type: bool
    default: false
  api_user_secret:
    description: The API user's secret, for O(check_credentials). Never logged or returned.
    type: str
  api_user_integration_code:
    description: The API user's own tracking identifier (custom integrations), for O(check_credentials).
    type: str
  required_permissions:
    description:
      - Entity and action pairs the integration needs. Checked as the API user itself through
        C(entityInformation) after a valid credential check; missing ones are returned in RV(permissions_missing).
    type: list
    elements: dict
    suboptions:
      entity:
        description: Entity path, for example C(Contracts).
        type: str
        required: true
      action:
        description: Action needed.
        type: str
        required: true
        choices: [query, create, update, delete]
"""

    AUTOTASK_USERS = r"""
options:
  users:
    description:
      - The declared API users, each with the options of M(msp.psa.autotask_api_user) (except the connection
      - options). The whole list is validated before anything is sent; an error names the user, the option
      - and the fix.
    type: list
    elements: dict
    required: true
    suboptions:
      profile:
        description: The vendor profile this entry comes from (a label for reports).
        type: str

      username:
        description:
          - The API user's full username, including the database's domain (for example C(wisesync01@yourmsp.example)).
          - The part before the domain must contain letters and numbers, and no at sign, parentheses, semicolon,
            colon, square brackets, pipe or backslash (Autotask UI rules).
        type: str
        required: true
      state:
        description:
          - V(present) finds, verifies and updates the user; V(absent) deactivates it.
        type: str
        choices: [present, absent]
        default: present
      first_name:
        description: First name. Compared and updated only when set.
        type: str
      last_name:
        description: Last name.
        type: str
      email:
        description: Email address (compared case-insensitively).
        type: str
      active:
        description: Whether the user is active.
        type: bool
      security_level:
        description:
          - Security level by its label, for example C(API User (system)). Labels are mapped to this database's
            ids through C(Resources/entityInformation/fields).
          - Autotask sets it in the UI only; a difference is reported as drift with the UI path.
        type: str
      location:
        description: Primary internal location, by name.
        type: str
      internal_cost:
        description: Internal cost (burden rate).
        type: float
      default_department:
        description: Default department by name (with O(users[].default_role)); a missing association is created.
        type: str
      default_role:
        description: Default role by name (with O(users[].default_department)).
        type: str
      integration_vendor:
        description:
          - The integration vendor label the user's API tracking identifier must be (for example C(Wise-Sync)).
          - Used in the creation steps; the REST API cannot read it back (see C(unverifiable)).
        type: str
      custom_integration:
        description:
          - The user has a Custom (Internal Integration) tracking identifier. Mutually exclusive with
            O(users[].integration_vendor).
        type: bool
      timesheets_not_required:
        description: Used in the creation steps ("Resource is not required to submit timesheets"); not readable by the API.
        type: bool
      secret_store_path:
        description:
          - Where the user's secret waits in the secret store (for example C(secret/msp/northwind/autotask/wise_sync)).
            The steps cite this path, never a secret value.
        type: str
      when_missing:
        description:
          - V(report) returns the creation steps with C(changed=false), so a fleet run collects every tenant's
            steps in one pass; V(fail) fails the task with the steps.
        type: str
        choices: [report, fail]
        default: report
      check_credentials:
        description:
          - Log in once as the API user with O(users[].api_user_secret) and O(users[].api_user_integration_code) and report
            C(credentials). Possible only for custom integrations, whose tracking identifier the admin has; for
            an integration-vendor user the module reports C(not_possible) and never probes, since failed logins
            count towards Autotask's lockout.
        type: bool
        default: false
      api_user_secret:
        description: The API user's secret, for O(users[].check_credentials). Never logged or returned.
        type: str
      api_user_integration_code:
        description: The API user's own tracking identifier (custom integrations), for O(users[].check_credentials).
        type: str
      required_permissions:
        description:
          - Entity and action pairs the integration needs. Checked as the API user itself through
            C(entityInformation) after a valid credential check; missing ones are returned in C(permissions_missing).
        type: list
        elements: dict
        suboptions:
          entity:
            description: Entity path, for example C(Contracts).
            type: str
            required: true
          action:
            description: Action needed.
            type: str
            required: true
            choices: [query, create, update, delete]
"""

    CONNECTWISE = r"""
options:
  identifier:
    description: The Member ID, 1 to 15 letters or digits (for example C(S365)).
    type: str
    required: true
  name:
    description: Member name, at most 30 characters. Defaults to O(identifier) on creation.
    type: str
  email:
    description: Email address.
    type: str
  security_role:
    description: Security role by name (for example C(Admin) or a custom role).
    type: str
  default_department:
    description: Default department by identifier or name.
    type: str
  default_location:
    description: Default location by name.
    type: str
  security_location:
    description: Security location by name.
    type: str
  structure_level:
    description: Structure level by id, or by name as a reference ConnectWise resolves.
    type: str
  time_zone:
    description: Time zone by id, or by name as a reference ConnectWise resolves.
    type: str
  notes:
    description: Notes on the member.
    type: str
  secret_store_path:
    description:
      - Where the member's API key pair is kept in the secret store (for example
        C(secret/msp/lakeside/connectwise/sync365)). Read only by the drift check (the bulk modules' C(secret_store)
        option); steps cite this path, never a key.
    type: str
  state:
    description: V(present) creates or updates; V(absent) inactivates.
    type: str
    choices: [present, absent]
    default: present
"""

    CONNECTWISE_MEMBERS = r"""
options:
  members:
    description:
      - The declared API members, each with the options of M(msp.psa.connectwise_api_member). The whole list
      - is validated before anything is sent.
    type: list
    elements: dict
    required: true
    suboptions:
      profile:
        description: The vendor profile this entry comes from (a label for reports).
        type: str

      identifier:
        description: The Member ID, 1 to 15 letters or digits (for example C(S365)).
        type: str
        required: true
      name:
        description: Member name, at most 30 characters. Defaults to O(members[].identifier) on creation.
        type: str
      email:
        description: Email address.
        type: str
      security_role:
        description: Security role by name (for example C(Admin) or a custom role).
        type: str
      default_department:
        description: Default department by identifier or name.
        type: str
      default_location:
        description: Default location by name.
        type: str
      security_location:
        description: Security location by name.
        type: str
      structure_level:
        description: Structure level by id, or by name as a reference ConnectWise resolves.
        type: str
      time_zone:
        description: Time zone by id, or by name as a reference ConnectWise resolves.
        type: str
      notes:
        description: Notes on the member.
        type: str
      secret_store_path:
        description:
          - Where the member's API key pair is kept in the secret store (for example
            C(secret/msp/lakeside/connectwise/sync365)). Read only by the drift check (the bulk modules' C(secret_store)
            option); steps cite this path, never a key.
        type: str
      state:
        description: V(present) creates or updates; V(absent) inactivates.
        type: str
        choices: [present, absent]
        default: present
"""

    # The drift check's look at each user's stored credential (bulk modules).
    CREDENTIAL_CHECK = r"""
options:
  secret_store:
    description:
      - When given, each declared user's stored credential (at its C(secret_store_path)) is checked too (read-only) for these problems,
        missing or unknown to the store, a rotation waiting for a step or overdue (O(max_credential_age_days)),
        the vendor registration of its profile not confirmed for the current credential, and (ConnectWise,
        O(verify_api_keys)) whether the stored key pair authenticates as its member. Each finding is a C(drift)
        entry with C(fix) C(store), C(vendor) or C(ui).
      - A login that failed before with the same credential is never retried (Autotask and ConnectWise lock
        accounts after repeated failures).
    type: dict
    suboptions:
      vault_url:
        description: The Vault or OpenBao address.
        type: str
        required: true
      vault_token:
        description: A token that may read the credentials.
        type: str
        required: true
      vault_mount:
        description: The KV v2 mount.
        type: str
        default: secret
      vault_namespace:
        description: The namespace (Vault Enterprise).
        type: str
      vault_validate_certs:
        description: Verify the store's TLS certificate.
        type: bool
        default: true
  max_credential_age_days:
    description: With O(secret_store), a credential older than this is drift (rotation overdue).
    type: int
  verify_api_keys:
    description: With O(secret_store), log in once with each stored ConnectWise key pair (one request per member).
    type: bool
    default: true
"""
