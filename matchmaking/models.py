"""Partner suggestions, feedback and contact requests (built by the suggestions issue)."""
