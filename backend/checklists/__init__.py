"""Call-script checklists: the events of each appointment's run, validated with the console's Qt-free
engine (console.scripts), stored append-only and mirrored into the audit log."""
