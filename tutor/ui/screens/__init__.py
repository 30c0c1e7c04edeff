"""The tutor's screens: home, lesson, free sandbox, logs, help and dialogs."""
