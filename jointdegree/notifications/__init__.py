"""The in-app inbox (and e-mail when SMTP is configured) that workflows use to reach people."""
