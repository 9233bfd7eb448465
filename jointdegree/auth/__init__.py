"""Users, roles, login, and the permission checks every feature calls."""
