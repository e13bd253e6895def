"""Booking shared spaces and borrowing community-owned things (issue 19).

spec.py (the config), rules.py (pure slot, limit, opening-hour and reminder rules),
vocabulary.py (statuses and the `bk:` buttons' codec), desk.py (residents' decisions),
keeping.py (time passing: reminders, hand-outs, overdue things, waitlist offers expiring),
captains.py (views, blocks, the monthly report) and chart.py (its PNG).
"""
