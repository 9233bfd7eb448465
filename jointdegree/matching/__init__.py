"""Course equivalences, credit and grade conversion between the partners systems."""
