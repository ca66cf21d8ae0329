"""QObject services: they own the work and report through signals; they never touch widgets."""
