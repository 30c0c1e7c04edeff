"""The servicelab sandbox: a control plane that keeps services' tasks running as real containers."""
