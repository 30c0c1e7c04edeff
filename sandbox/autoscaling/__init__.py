"""Service auto scaling by target tracking: policy (the pure decision), metrics (sampling and
windows) and scaler (the control plane's loop that samples, decides and applies)."""
