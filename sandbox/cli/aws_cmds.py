"""`servicelab aws-env`: point the real AWS CLI and SDKs of a second terminal at the sandbox."""

from __future__ import annotations

import click

from .context import Lab, emit_json


@click.command("aws-env")
@click.option("--region", default=None, metavar="REGION",
              help="Region for the clients, and so for the ARNs the sandbox returns (default us-east-1).")
@click.option("--json", "as_json", is_flag=True, help="Print the sandbox, its API address, the region and the variables as JSON.")
@click.pass_obj
def aws_env_cmd(lab: Lab, region: str | None, as_json: bool) -> None:
    """Print the environment for `aws ecs …` and boto3 against this sandbox.

    In a second terminal: eval "$(servicelab aws-env)", then e.g. aws ecs list-services.
    Starts the control plane if none runs, so the address printed answers.
    """
    from sandbox.workshop import tokens
    from sandbox.api.awsenv import DEFAULT_REGION, lines, variables

    region = region or DEFAULT_REGION
    api = lab.client().address
    token = tokens.read(lab.sandbox)  # a workshop sandbox's: the secret key its API checks signatures with
    if as_json:
        emit_json({"sandbox": lab.sandbox, "api": api, "region": region, "env": variables(api, region, token)})
        return
    click.echo(f"# servicelab sandbox {lab.sandbox!r}: aws ecs … and boto3 in this shell now reach it")
    if token:
        click.echo("# workshop sandbox: the secret key is your sandbox's token; keep it to yourself")
    for line in lines(api, region, token):
        click.echo(line)


def register(cli: click.Group) -> None:
    cli.add_command(aws_env_cmd)
