"""Judge prompt templates of the task plugins (Jinja2, one per task, versioned on their first line)."""
