"""The command bar's parser: CLI forms and their `aws ecs` twins become the same operation."""

from __future__ import annotations

import pytest

from tutor import commands
from tutor.commands import CommandError, Names, complete, parse
from tutor.commands.aws import FORMS as AWS_COMMANDS

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
    ("update-container-instances-state", "instance drain ci-0a0a0a0a",
     "aws ecs update-container-instances-state --container-instances ci-0a0a0a0a --status DRAINING"),
    ("update-container-instances-state", "instance activate ci-0a0a0a0a",
     "aws ecs update-container-instances-state --container-instances ci-0a0a0a0a --status ACTIVE"),
    ("create-service", "service create web --count 4 --placement-strategy binpack:memory",
     "aws ecs create-service --service-name web --task-definition web:1 --desired-count 4 "
     "--placement-strategy type=binpack,field=memory"),
    ("update-service", "service update web --min-healthy 50 --max-percent 100 --rollback",
     "aws ecs update-service --service web --deployment-configuration "
     "'{\"maximumPercent\":100,\"minimumHealthyPercent\":50,\"deploymentCircuitBreaker\":"
     "{\"rollback\":true,\"enable\":true}}'"),
    ("list-clusters", "cluster ls", "aws ecs list-clusters"),
    ("create-cluster", "cluster create blue", "aws ecs create-cluster --cluster-name blue"),
    ("delete-cluster", "cluster delete blue", "aws ecs delete-cluster --cluster blue"),
]

# aws ecs forms the sandbox runs as a servicelab operation, because its ECS API lacks them.
SERVICELAB_ONLY_TWINS = [
    ("list-container-instances", "instance ls", "aws ecs list-container-instances"),
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

    @pytest.mark.parametrize("aws_name, cli, aws", SERVICELAB_ONLY_TWINS)
    def test_aws_forms_the_sandbox_runs_its_own_way(self, aws_name: str, cli: str, aws: str) -> None:
        """The aws ecs form is accepted and does what its servicelab twin does."""
        assert parse(aws).request == parse(cli).request
        assert aws_name in parse(cli).twin

    def test_every_supported_aws_command_has_a_twin_here(self) -> None:
        """No aws ecs form is supported without a test tying it to its CLI twin."""
        assert {name for name, _, _ in TWINS + SERVICELAB_ONLY_TWINS} == set(AWS_COMMANDS)

    def test_structures_read_the_same_in_shorthand_json_and_any_key_order(self) -> None:
        """The twin of a structure does not depend on how it was typed."""
        cli = parse("service update web --max-percent 100 --min-healthy 50")
        for typed in ("minimumHealthyPercent=50,maximumPercent=100", "maximumPercent=100,minimumHealthyPercent=50",
                      "'{\"minimumHealthyPercent\": 50, \"maximumPercent\": 100}'"):
            op = parse(f"aws ecs update-service --service web --deployment-configuration {typed}")
            assert op.request == cli.request and op.aws == cli.aws

    def test_option_names_and_types_come_from_the_ecs_model(self) -> None:
        """Every member the ECS model gives a form is an option, spelled as the AWS CLI spells it."""
        form = AWS_COMMANDS["update-service"]
        assert form.usage.startswith("aws ecs update-service [--cluster CLUSTER] --service SERVICE "
                                     "[--desired-count DESIRED-COUNT]")
        assert "[--force-new-deployment]" in form.usage
        with pytest.raises(CommandError, match="--desired-count must be a number"):
            parse("aws ecs update-service --service web --desired-count three")
        with pytest.raises(CommandError, match="valid values: ENABLED, DISABLED"):
            parse("aws ecs update-service --service web --availability-zone-rebalancing SOMETIMES")

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

    def test_the_grace_period_alone_is_an_update_not_a_deployment(self) -> None:
        op = parse("aws ecs update-service --service web --health-check-grace-period-seconds 0")
        assert op.request == ("ecs", "UpdateService",
                              {"cluster": "default", "service": "web", "healthCheckGracePeriodSeconds": 0})
        assert op.request == parse("service update web --health-check-grace-period 0").request
        assert op.cli == "servicelab service update web --health-check-grace-period 0"
        assert "rolling" not in op.summary

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


class TestZonesLoadBalancersScaling:
    """The operations the bar adds for zones, instances, load balancers, auto scaling and traffic."""

    def test_zone_fail_and_restore_have_no_aws_ecs_twin_and_say_why(self) -> None:
        op = parse("zone fail us-east-1a")
        assert op.request == ("lab", "SetZoneFailed", {"cluster": "default", "zone": "us-east-1a", "failed": True})
        assert op.changes and op.aws is None
        assert op.twin == "no aws ecs equivalent: a zone outage happens to AWS, not through its API"
        assert parse("zone restore us-east-1a").params["failed"] is False
        assert op.cli == "servicelab zone fail us-east-1a"

    def test_instance_ls(self) -> None:
        op = parse("instance ls")
        assert op.request == ("lab", "Instances", {"cluster": "default"})
        assert op.aws is None and "aws ecs list-container-instances" in op.twin

    def test_lb_ls_takes_an_optional_service(self) -> None:
        assert parse("lb ls").request == ("lab", "LoadBalancers", {"cluster": "default"})
        assert parse("lb ls web").params == {"cluster": "default", "service": "web"}
        assert "aws elbv2 describe-target-health" in parse("lb ls").twin
        assert next(c for c in commands.cli_commands() if c.path == ("lb", "ls")).usage == \
            "servicelab lb ls [SERVICE] [--json]"

    def test_scaling_set_show_off(self) -> None:
        op = parse("scaling set web --metric cpu --target 50 --min 1 --max 4 --scale-in-cooldown 30")
        assert op.request == ("lab", "PutScalingPolicy", {
            "cluster": "default", "service": "web", "metric": "cpu", "target": 50.0, "minCapacity": 1,
            "maxCapacity": 4, "scaleInCooldown": 30.0})
        assert op.aws is None
        assert op.twin.startswith("aws application-autoscaling register-scalable-target --service-namespace ecs")
        assert "PredefinedMetricType=ECSServiceAverageCPUUtilization" in op.twin and "ScaleInCooldown=30" in op.twin
        assert parse("scaling show web").request == ("lab", "DescribeScaling", {"cluster": "default", "service": "web"})
        assert parse("scaling off web").request == ("lab", "DeleteScalingPolicy", {"cluster": "default", "service": "web"})
        assert "deregister-scalable-target" in parse("scaling off web").twin

    def test_traffic_is_an_app_action_within_bounds(self) -> None:
        op = parse("traffic web --rps 20 --for 30")
        assert op.request == ("app", "traffic", {"cluster": "default", "service": "web", "rps": 20.0, "seconds": 30.0,
                                                 "path": "/"})
        assert "no aws ecs equivalent" in op.twin
        assert parse("traffic web").params["rps"] == 10.0

    def test_traffic_bounds_are_the_generators(self) -> None:
        from sandbox.lb import traffic

        assert parse(f"traffic web --rps {traffic.MAX_RPS:g} --for {traffic.MAX_SECONDS:g}").params["rps"] == traffic.MAX_RPS
        with pytest.raises(CommandError, match="out of range"):
            parse(f"traffic web --rps {traffic.MAX_RPS + 1:g}")

    def test_service_create_with_a_load_balancer(self) -> None:
        op = parse("service create api --count 2 --load-balancer")
        assert op.request == ("lab", "CreateServiceWithLoadBalancer", {
            "createService": {"cluster": "default", "serviceName": "api", "taskDefinition": "web:1", "desiredCount": 2},
            "loadBalancer": {}})
        assert "--load-balancers targetGroupArn=" in op.twin

    def test_drain_twin_in_another_cluster(self) -> None:
        op = parse("servicelab --cluster prod instance drain ci-1")
        assert op.aws == "aws ecs update-container-instances-state --cluster prod --container-instances ci-1 --status DRAINING"
        assert parse(op.aws).request == op.request


class TestErrors:
    @pytest.mark.parametrize("line, expected", [
        ("", "type a command"),
        ("frobnicate", "No such command 'frobnicate'; supported: service {create,delete,describe,events,ls,"),
        ("service", "service needs one more word; service has: create, delete,"),
        ("service frob web", "No such command 'frob'; service has: create, delete,"),
        ("service scale web", "service scale: Missing argument 'COUNT'. (usage: servicelab service scale NAME COUNT"),
        ("service scale web three", "Invalid value for 'COUNT': 'three' is not a valid integer"),
        ("service scale web 3 4", "Got unexpected extra argument (4)"),
        ("service scale web 3 --bogus", "No such option '--bogus'"),
        ("servicelab --bogus service ls", "unknown option --bogus; before the command only --cluster NAME is allowed"),
        ("task stop ID", "replace ID with a task id"),
        ("chaos web", "chaos needs --every"),
        ("sandbox down", "runs in a terminal"),
        ("servicelab --sandbox other service ls", "tied to one sandbox"),
        ("aws s3 ls", "only aws ecs commands run here"),
        ("aws ecs", "aws ecs what?"),
        ("aws ecs tag-resource --resource-arn x", "aws ecs tag-resource is not supported by the sandbox; supported: "
                                                  "create-cluster, create-service"),
        ("aws ecs update-service --service web", "nothing to update: give a task definition, a desired count"),
        ("service update web", "nothing to update: give a task definition, a desired count"),
        ("aws ecs update-service --desired-count 3", "--service is required"),
        ("aws ecs update-service --service web --bogus 3", "--bogus is not supported here; allowed: --cluster"),
        ("aws ecs describe-services --services web api", "give one service here"),
        ("aws ecs list-tasks --desired-status PENDING", "use RUNNING or STOPPED"),
        ("aws ecs stop-task web", "aws ecs takes --options only"),
        ("task stop 'unclosed", "cannot read that line"),
        ("zone fail", "zone fail: Missing argument 'ZONE'"),
        ("zone explode us-east-1a", "No such command 'explode'; zone has: fail, restore"),
        ("instance drain", "instance drain: Missing argument 'ID'"),
        ("lb ls web api", "Got unexpected extra argument (api)"),
        ("scaling set web --metric cpu", "scaling set: Missing option '--target'"),
        ("scaling set web --metric memory --target 5 --min 1 --max 2",
         "Invalid value for '--metric': 'memory' is not one of 'cpu', 'requests'"),
        ("service create web --health-check-path /up", "load balancer settings need --load-balancer"),
        ("traffic web --rps 0", "--rps 0 is out of range"),
        ("traffic web --for 601", "--for 601 is out of range"),
        ("aws ecs update-container-instances-state --container-instances a b --status DRAINING", "give one instance here"),
        ("aws ecs update-container-instances-state --container-instances a --status REGISTERING",
         "--status REGISTERING is not supported; use DRAINING or ACTIVE"),
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
    NAMES = Names(services=["web", "api"], tasks=[TASK[:12], "ffff00001111"], task_definitions=["web:1", "batch:1"],
                  zones=["us-east-1a", "us-east-1b"], instances=["ci-0a0a0a0a", "ci-0b0b0b0b"])

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
        ("zone ", "zone fail"),
        ("zone fail ", "zone fail us-east-1a"),
        ("instance drain ", "instance drain ci-0a0a0a0a"),
        ("lb ls ", "lb ls web"),
        ("scaling set web --metric ", "scaling set web --metric cpu"),
        ("traffic ", "traffic web"),
        ("traffic web ", "traffic web --rps"),
        ("aws ecs update-container-instances-state --status ", "aws ecs update-container-instances-state --status DRAINING"),
    ])
    def test_first_candidate(self, prefix: str, expected: str) -> None:
        candidates = complete(prefix, self.NAMES)
        assert candidates and candidates[0] == expected
        assert all(c.startswith(prefix) for c in candidates)

    def test_nothing_to_complete(self) -> None:
        assert complete("frobnicate ", self.NAMES) == []
        assert complete("aws ecs tag-resource ", self.NAMES) == []

    @pytest.mark.parametrize("start", ["service l", "zone ", "instance drain ", "taskdef describe ", "lb "])
    def test_completions_parse(self, start: str) -> None:
        """Walking the first candidate to the end of a command gives a line that parses."""
        line = start
        for _ in range(6):
            candidates = complete(line, self.NAMES)
            if not candidates:
                break
            line = candidates[0] + " "
        parse(line)

    def test_completion_offers_the_clis_own_commands_and_options(self) -> None:
        """What the CLI has, completion offers: cluster commands, the placement options."""
        assert "cluster create" in complete("cluster ", self.NAMES)
        assert "service create web --placement-strategy" in complete("service create web --pl", self.NAMES)
        assert complete("aws ecs list-tasks --desired-status ", self.NAMES) == [
            "aws ecs list-tasks --desired-status RUNNING", "aws ecs list-tasks --desired-status STOPPED"]

    def test_common_prefix(self) -> None:
        assert commands.common_prefix(["aws ecs list-services", "aws ecs list-tasks"]) == "aws ecs list-"
        assert commands.common_prefix([]) == ""
