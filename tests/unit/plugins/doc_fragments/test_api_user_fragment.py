"""The bulk modules document each user with the singular module's options: the two forms must agree."""
import re

import yaml

from ansible_collections.msp.psa.plugins.doc_fragments.api_user import ModuleDocFragment as F


def test_nested_user_options_are_the_singular_options_plus_profile():
    for single, nested, option in ((F.AUTOTASK, F.AUTOTASK_USERS, "users"), (F.CONNECTWISE, F.CONNECTWISE_MEMBERS, "members")):
        # inside a list the markup names the nested option (O(users[].x)) and the module's own result (C(x))
        top = yaml.safe_load(re.sub(r"RV\(([a-z_]+)\)", r"C(\1)", single))["options"]
        sub = dict(yaml.safe_load(nested.replace("O(%s[]." % option, "O("))["options"][option]["suboptions"])
        assert sub.pop("profile")["type"] == "str"
        assert sub == top
