"""Pure rules, run once on no database: understanding, catalogue, festivals, schedules,
codecs, texts."""
