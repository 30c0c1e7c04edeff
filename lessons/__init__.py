"""The shipped lessons: one folder per lesson, read by tutor.lessons (see README.md here)."""
