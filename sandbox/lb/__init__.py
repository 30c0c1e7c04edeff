"""A load balancer per service: an HTTP reverse proxy on 127.0.0.1 in front of its tasks.

settings (what a person configures), health (the pure target-health state machine), balancer
(one service's listener, targets and health checks) and manager (keeps the balancers in step
with the store and drains targets before their tasks stop).
"""
