"""The command bar's parser: CLI forms and their `aws ecs` twins become the same operation."""

from __future__ import annotations

import pytest

from tutor import commands
from tutor.commands import AWS_COMMANDS, CommandError, Names, complete, parse

TASK = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

# Every aws ecs form the bar supports, next to the servicelab command that does the same.
TWINS = [
    ("list-services", "service ls", "aws ecs list-services"),
    ("describe-services", "service describe web", "aws ecs describe-services --services web"),
    ("create-service", "service create api --task-def web:2 --count 1",
     "aws ecs create-service --service-name api --task-definition web:2 --desired-count 1"),
    ("update-service", "service scale web 3", "aws ecs update-service --service web --desired-count 3"),
    ("update-service", "service update web --task-def web:2", "aws ecs update-service --service web --task-definition web:2"),
    ("delete-service", "service delete web --force", "aws ecs delete-service --service web --force"),
    ("delete-service", "service delete web", "aws ecs delete-service --service web"),
    ("list-tasks", "task ls", "aws ecs list-tasks"),
    ("list-tasks", "task ls --service web", "aws ecs list-tasks --service-name web"),
    ("list-tasks", "task ls --service web --stopped", "aws ecs list-tasks --service-name web --desired-status STOPPED"),
    ("describe-tasks", f"task describe {TASK}", f"aws ecs describe-tasks --tasks {TASK}"),
    ("stop-task", f"task stop {TASK}", f"aws ecs stop-task --task {TASK}"),
    ("stop-task", f'task stop {TASK} --reason "lesson 2"', f'aws ecs stop-task --task {TASK} --reason "lesson 2"'),
    ("run-task", "task run batch", "aws ecs run-task --task-definition batch"),
    ("run-task", "task run batch:1 --count 3", "aws ecs run-task --task-definition batch:1 --count 3"),
    ("execute-command", f"task exec {TASK}", f"aws ecs execute-command --task {TASK} --command sh --interactive"),
    ("list-task-definitions", "taskdef ls", "aws ecs list-task-definitions"),
    ("describe-task-definition", "taskdef describe web:2", "aws ecs describe-task-definition --task-definition web:2"),
]


class TestTwins:
    @pytest.mark.parametrize("aws_name, cli, aws", TWINS, ids=[f"{t[0]}:{t[1]}" for t in TWINS])
    def test_aws_form_is_the_same_operation_as_its_cli_twin(self, aws_name: str, cli: str, aws: str) -> None:
        """Both forms make the same request, and each names the other as its equivalent."""
        from_cli = parse(cli)
        from_aws = parse(aws)
        assert from_aws.request == from_cli.request
        assert from_aws.aws == from_cli.aws
        assert from_aws.cli == from_cli.cli
        assert from_cli.aws.startswith(f"aws ecs {aws_name}")
        # The twin text itself parses back to the same request.
        assert parse(from_cli.aws).request == from_cli.request

    def test_every_supported_aws_command_has_a_twin_here(self) -> None:
        """No aws ecs form is supported without a test tying it to its CLI twin."""
        assert {name for name, _, _ in TWINS} == set(AWS_COMMANDS)

    def test_servicelab_prefix_and_cluster_option(self) -> None:
        """`servicelab` is optional, and --cluster reaches the request in both forms."""
        assert parse("servicelab service scale web 3").request == parse("service scale web 3").request
        op = parse("servicelab --cluster prod service scale web 3")
        assert op.params["cluster"] == "prod"
        assert op.request == parse("aws ecs update-service --cluster prod --service web --desired-count 3").request
        assert op.aws == "aws ecs update-service --cluster prod --service web --desired-count 3"

    def test_cluster_defaults_to_the_apps(self) -> None:
        assert parse("service ls", cluster="blue").params["cluster"] == "blue"


class TestOperations:
    def test_scale_is_update_service_with_desired_count(self) -> None:
        op = parse("service scale web 3")
        assert op.request == ("ecs", "UpdateService", {"cluster": "default", "service": "web", "desiredCount": 3})
        assert op.changes

    def test_chaos_is_a_servicelab_operation_without_aws_twin(self) -> None:
        op = parse("chaos web --every 5 --for 30")
        assert op.request == ("lab", "StartChaos", {"cluster": "default", "service": "web", "every": 5.0, "for": 30.0})
        assert op.aws is None
        assert "no aws ecs equivalent" in op.twin
        assert parse("chaos web --stop").name == "StopChaos"

    def test_kill_logs_and_all_tasks(self) -> None:
        assert parse(f"task kill {TASK}").request == ("lab", "KillTask", {"cluster": "default", "task": TASK})
        assert parse(f"task logs {TASK} -f").request == ("app", "logs", {"cluster": "default", "task": TASK})
        op = parse("task ls --service web --all")
        assert op.request == ("lab", "Tasks", {"cluster": "default", "includeStopped": True, "service": "web"})

    def test_exec_takes_a_command_after_double_dash(self) -> None:
        op = parse(f"task exec {TASK} -- ls -l /")
        assert op.params["command"] == ["ls", "-l", "/"]
        assert parse(f"aws ecs execute-command --task {TASK} --command 'ls -l /' --interactive").request == op.request

    def test_task_definitions_take_no_cluster(self) -> None:
        """ECS refuses `cluster` on task definition calls; the bar never sends it."""
        assert "cluster" not in parse("taskdef ls").params
        assert "cluster" not in parse("taskdef describe web:1").params

    def test_id_placeholder_is_the_selected_task(self) -> None:
        """A lesson's `task stop ID` works as written once a task is selected."""
        op = parse("servicelab task stop ID --reason 'lesson 2'", placeholders={"ID": TASK})
        assert op.params == {"cluster": "default", "task": TASK, "reason": "lesson 2"}

    def test_aws_global_options_are_set_aside_with_a_note(self) -> None:
        op = parse("aws ecs list-services --region eu-west-1 --output json")
        assert op.name == "ListServices"
        assert any("--region" in note for note in op.notes)

    def test_comma_separated_and_option_equals_forms(self) -> None:
        assert parse("aws ecs describe-services --services=web").params["services"] == ["web"]
        assert parse("service create api --count=2").params["desiredCount"] == 2

    def test_app_commands(self) -> None:
        assert parse("help").request[:2] == ("app", "help")
        assert parse("clear").request[:2] == ("app", "clear")
        assert parse("sandbox status").show == "status"


class TestErrors:
    @pytest.mark.parametrize("line, expected", [
        ("", "type a command"),
        ("frobnicate", "unknown command 'frobnicate'; supported: service {ls,"),
        ("service", "service needs one more word; service has: service ls"),
        ("service frob web", "service frob: not a command here"),
        ("service scale web", "missing COUNT"),
        ("service scale web three", "COUNT must be a whole number"),
        ("service scale web 3 4", "unexpected '4'"),
        ("service scale web 3 --bogus", "unknown option --bogus"),
        ("task stop ID", "replace ID with a task id"),
        ("chaos web", "chaos needs --every"),
        ("sandbox down", "runs in a terminal"),
        ("servicelab --sandbox other service ls", "tied to one sandbox"),
        ("aws s3 ls", "only aws ecs commands run here"),
        ("aws ecs", "aws ecs what?"),
        ("aws ecs tag-resource --resource-arn x", "aws ecs tag-resource is not supported by the sandbox; supported: "
                                                  "create-service"),
        ("aws ecs update-service --service web",
         "update-service needs --task-definition, --desired-count or --force-new-deployment"),
        ("aws ecs describe-services --services web api", "give one service here"),
        ("aws ecs list-tasks --desired-status PENDING", "use RUNNING or STOPPED"),
        ("aws ecs stop-task web", "aws ecs takes --options only"),
        ("task stop 'unclosed", "cannot read that line"),
    ])
    def test_unsupported_lines_get_one_clear_line(self, line: str, expected: str) -> None:
        """Each refusal is one line that says what went wrong and what is allowed."""
        with pytest.raises(CommandError) as caught:
            parse(line)
        message = str(caught.value)
        assert expected in message
        assert "\n" not in message

    def test_unknown_aws_command_names_every_supported_one(self) -> None:
        with pytest.raises(CommandError) as caught:
            parse("aws ecs put-cluster-capacity-providers")
        for name in AWS_COMMANDS:
            assert name in str(caught.value)


class TestCompletion:
    NAMES = Names(services=["web", "api"], tasks=[TASK[:12], "ffff00001111"], task_definitions=["web:1", "batch:1"])

    @pytest.mark.parametrize("prefix, expected", [
        ("", "service"),
        ("se", "service"),
        ("service sc", "service scale"),
        ("service scale ", "service scale web"),
        ("service scale a", "service scale api"),
        ("task stop ", f"task stop {TASK[:12]}"),
        ("task run ", "task run web:1"),
        ("task ls --", "task ls --service"),
        ("aws ", "aws ecs"),
        ("aws ecs up", "aws ecs update-service"),
        ("aws ecs update-service ", "aws ecs update-service --service"),
        ("aws ecs update-service --service ", "aws ecs update-service --service web"),
        ("aws ecs update-service --service web --d", "aws ecs update-service --service web --desired-count"),
        ("aws ecs stop-task --task ", f"aws ecs stop-task --task {TASK[:12]}"),
        ("aws ecs run-task --task-definition b", "aws ecs run-task --task-definition batch:1"),
        ("servicelab ta", "servicelab task"),
    ])
    def test_first_candidate(self, prefix: str, expected: str) -> None:
        candidates = complete(prefix, self.NAMES)
        assert candidates and candidates[0] == expected
        assert all(c.startswith(prefix) for c in candidates)

    def test_nothing_to_complete(self) -> None:
        assert complete("frobnicate ", self.NAMES) == []
        assert complete("aws ecs tag-resource ", self.NAMES) == []

    def test_completions_parse(self) -> None:
        """Walking the first candidate to the end of a command gives a line that parses."""
        line = ""
        for _ in range(6):
            candidates = complete(line, self.NAMES)
            if not candidates:
                break
            line = candidates[0] + " "
        parse(line + "3" if line.startswith("service scale") else line)

    def test_common_prefix(self) -> None:
        assert commands.common_prefix(["aws ecs list-services", "aws ecs list-tasks"]) == "aws ecs list-"
        assert commands.common_prefix([]) == ""
