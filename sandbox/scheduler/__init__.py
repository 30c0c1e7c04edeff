"""The scheduler: a pure planner decides, placement picks instances, the control loop applies.

`planner` turns (desired, observed, now) into a `Plan`; `placement` ranks instances for a
task; `loop` marks keys dirty and runs passes; `apply` writes a plan into the store; and
`executor` does the slow work a plan asks for (launch, stop, deprovision) on pool threads.
"""
