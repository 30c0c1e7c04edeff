"""The sandbox API: ECS JSON protocol plus servicelab-only operations, on 127.0.0.1."""
