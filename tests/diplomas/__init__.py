"""Tests of the diplomas package."""
