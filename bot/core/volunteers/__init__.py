"""Volunteers (近邻服务队): teams, duty rosters with a waitlist and reminders, service points.

duty_text.py and points_rules.py are the pure rules; roster.py (teams, duties, reminders,
attendance) and points.py (/points) are the decisions; settings.py is the config section
(imported by bot/core/config.py, so this package imports nothing at its top).
"""
