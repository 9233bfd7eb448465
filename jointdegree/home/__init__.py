"""Home page per role, language switcher."""
