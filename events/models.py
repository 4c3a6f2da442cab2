"""Matchmaking events, registrations and meetings (built by the events issue)."""
