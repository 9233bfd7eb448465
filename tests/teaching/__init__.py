"""Tests of the teaching package: calendars, recurrences and the slot finder."""
