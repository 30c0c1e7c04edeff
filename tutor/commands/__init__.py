"""The command bar's language: the CLI's commands and their `aws ecs` twins, parsed to one Operation.

No Textual here. A line such as `service scale web 3` or
`aws ecs update-service --service web --desired-count 3` becomes the same `Operation`: the API
call to make, its parameters with ECS's field names, and its `aws ecs` twin. The operations
and their builders live with the CLI (sandbox/cli/operations.py), which builds the same
Operation from the same parameters; this package reads lines (bar.py, with grammar.py for the
`servicelab` forms and aws.py for the `aws ecs` ones), completes them (completion.py) and
keeps their history (history.py).
"""

from sandbox.cli.completion import Names
from sandbox.cli.operations import (
    APP,
    DEFAULT_CLUSTER,
    ECS,
    LAB,
    CommandError,
    Operation,
    create_service,
    delete_service,
    exec_task,
    kill_task,
    scale_service,
    set_instance_status,
    set_zone_failed,
    start_chaos,
    stop_chaos,
    stop_task,
    task_logs,
)

from .aws import aws_commands
from .bar import parse, tokenize
from .completion import common_prefix, complete
from .grammar import cli_commands, supported

__all__ = [
    "APP", "DEFAULT_CLUSTER", "ECS", "LAB", "CommandError", "Names", "Operation", "aws_commands", "cli_commands",
    "common_prefix", "complete", "create_service", "delete_service", "exec_task", "kill_task", "parse",
    "scale_service", "set_instance_status", "set_zone_failed", "start_chaos", "stop_chaos", "stop_task", "supported",
    "task_logs", "tokenize",
]
