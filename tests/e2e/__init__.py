"""Stories as residents, captains and admins live them, through the real Application
(tests/harness.py)."""
