"""Uploaded files (catalog imports awaiting confirmation, syllabi), kept in the database so
every worker process sees them; size-limited and type-checked, never served back as HTML."""
