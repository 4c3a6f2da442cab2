"""Who sees and acts on an organisation's suggestions and contact requests.

This module also widens ``clusters.view_organisation_contact``: an accepted contact request
reveals both organisations' contact persons to each other (clusters/rules.py defines the rest;
apps load rules in INSTALLED_APPS order, clusters first).
"""

import rules

from clusterplatform.accounts.roles import is_platform_staff
from clusters.rules import is_organisation_manager, is_organisation_person


@rules.predicate
def has_accepted_contact(user, organisation) -> bool:
    if organisation is None or not user.is_authenticated:
        return False
    from .contacts import accepted_contact_ids

    return organisation.pk in accepted_contact_ids(user)


rules.add_perm("matchmaking.view_suggestions", is_organisation_manager | is_platform_staff)
rules.add_perm("matchmaking.give_feedback", is_organisation_manager)
rules.add_perm("matchmaking.run_recompute", is_platform_staff)
rules.set_perm(
    "clusters.view_organisation_contact",
    is_organisation_person | is_platform_staff | has_accepted_contact,
)
