"""`python -m sandbox …`: the sandbox CLI without the tutor (used to start control planes)."""

from .cli import cli

if __name__ == "__main__":
    cli(prog_name="servicelab")
