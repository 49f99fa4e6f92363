"""An example trainlint plugin: one rule, ``XP001 text-too-long``."""

from .xp001_text_too_long import TextTooLong

__all__ = ["TextTooLong"]
