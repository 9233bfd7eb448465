"""Professors, teaching assignments, stays, lecture sessions and calendars."""
