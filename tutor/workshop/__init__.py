"""Classroom workshops: the plan (which lessons, unlocked or not, time boxes), progress exports
and reports for the instructor, opt-in live sharing, and serving the app in a browser.

The control plane's side (quotas, tokens, idle cleanup) is in sandbox/workshop/classroom.py.
"""
