"""The one error type the festival rules raise for bad input."""

from __future__ import annotations


class RuleError(ValueError):
    """A date, time or offset that cannot be scheduled; carries a short zh and en message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def message(self, lang: str) -> str:
        """The message in one language ("zh" or "en"), for replying to a captain."""
        return self.zh if lang == "zh" else self.en
