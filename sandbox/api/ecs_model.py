"""ECS's own service model, as botocore ships it, used offline to check what crosses the wire.

A request is checked in three steps, so every refusal is one clear InvalidParameterException:
1. against the model (required members, unknown members, types), as ECS itself would;
2. against the model's enums, which botocore's validator does not check;
3. against what the sandbox supports: each operation declares the members it honours (a
   `Spec`), and any other member ECS knows is refused, never silently ignored.
Value rules the model does not express (name charset, counts, limits) live where the value is
used: `sandbox.actions` for names and counts, `sandbox.taskdefs.taskdef_file` for task definitions.

The model is loaded on first use: the CLI imports the API modules to find a control plane, and
must not pay for botocore's loader at start-up.
"""

from __future__ import annotations

import functools
from typing import Any, Union

from sandbox.core import errors


@functools.lru_cache(maxsize=1)
def service_model():
    import botocore.loaders
    import botocore.model

    description = botocore.loaders.Loader().load_service_model("ecs", "service-2")
    # The model's prose is most of its size, and every learner's control plane holds one.
    _drop_documentation(description)
    return botocore.model.ServiceModel(description, service_name="ecs")


def _drop_documentation(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("documentation", None)
        for value in node.values():
            _drop_documentation(value)
    elif isinstance(node, list):
        for value in node:
            _drop_documentation(value)


def is_ecs_operation(name: str) -> bool:
    return name in service_model().operation_names


class Only:
    """A member the sandbox takes only with these values: the ones it already behaves by."""

    def __init__(self, *values: Any, why: str) -> None:
        self.values = values
        self.why = why


Spec = Union[bool, "dict[str, Spec]", Only]
"""True: any value (still checked against the model); a dict: the structure's (or each list
item's) supported members; Only: a restricted set of values."""


def check_request(operation: str, body: dict[str, Any], spec: dict[str, Spec]) -> None:
    from botocore.validate import ParamValidator

    shape = service_model().operation_model(operation).input_shape
    report = ParamValidator().validate(body, shape)
    if report.has_errors():
        raise errors.InvalidParameterException(f"{operation}: " + "; ".join(report.generate_report().splitlines()))
    _walk(operation, body, shape, spec, "")


def _walk(operation: str, value: Any, shape, spec: Spec, path: str) -> None:
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        raise errors.InvalidParameterException(f"{path} {value!r} is not valid; valid values: {', '.join(enum)}")
    if isinstance(spec, Only):
        if value not in spec.values:
            raise errors.InvalidParameterException(
                f"{operation}: {path} {value!r} is not supported by the servicelab sandbox: {spec.why}"
            )
        return
    kind = shape.type_name
    if kind == "structure":
        for name, member in value.items():
            where = f"{path}.{name}" if path else name
            sub = True if spec is True else spec.get(name)
            if sub is None:
                supported = ", ".join(spec) or "none"
                raise errors.InvalidParameterException(
                    f"{operation}: parameter {where!r} is not supported by the servicelab sandbox "
                    f"(supported{' in ' + path if path else ''}: {supported})"
                )
            _walk(operation, member, shape.members[name], sub, where)
    elif kind == "list":
        for index, item in enumerate(value):
            _walk(operation, item, shape.member, spec, f"{path}[{index}]")
    elif kind == "map":
        for key, item in value.items():
            _walk(operation, item, shape.value, True, f"{path}.{key}")


def response_problems(operation: str, body: dict[str, Any]) -> list[str]:
    """What in a response does not fit the operation's output shape; botocore would drop it silently."""
    from botocore.validate import ParamValidator

    shape = service_model().operation_model(operation).output_shape
    if shape is None:
        return [] if not body else [f"{operation} has no output, got {sorted(body)}"]
    report = ParamValidator().validate(body, shape)
    return report.generate_report().splitlines() if report.has_errors() else []
