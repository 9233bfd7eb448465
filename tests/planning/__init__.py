"""Tests of students, results, plans and the audit."""
