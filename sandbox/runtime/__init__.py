"""Runtimes the control plane can run tasks on, behind one interface (see base.py)."""
