"""Candidates, articles and their versions live here (the knowledge-base issue)."""
