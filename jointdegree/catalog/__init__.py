"""Institutions, programmes, academic terms and partnerships (courses arrive with the catalog)."""
