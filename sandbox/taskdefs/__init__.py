"""taskdefs."""
