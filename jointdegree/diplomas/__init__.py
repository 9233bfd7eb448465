"""Transcripts, combined diplomas, their exports, signatures and public verification."""
