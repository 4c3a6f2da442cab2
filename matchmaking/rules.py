"""Who sees and acts on an organisation's suggestions: its managers, and platform staff."""

import rules

from clusterplatform.accounts.roles import is_platform_staff
from clusters.rules import is_organisation_manager

rules.add_perm("matchmaking.view_suggestions", is_organisation_manager | is_platform_staff)
rules.add_perm("matchmaking.give_feedback", is_organisation_manager)
rules.add_perm("matchmaking.run_recompute", is_platform_staff)
