"""Errors the control plane raises, named after the ECS exceptions they become on the wire."""

from __future__ import annotations


class SandboxError(Exception):
    """A request that cannot be carried out; `message` is one line for a person."""

    code = "ClientException"
    exit_status = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientException(SandboxError):
    code = "ClientException"


class InvalidParameterException(SandboxError):
    code = "InvalidParameterException"
    exit_status = 2


class ClusterNotFoundException(SandboxError):
    code = "ClusterNotFoundException"


class ServiceNotFoundException(SandboxError):
    code = "ServiceNotFoundException"


class ServiceNotActiveException(SandboxError):
    code = "ServiceNotActiveException"


class ClusterContainsServicesException(SandboxError):
    code = "ClusterContainsServicesException"


class ClusterContainsTasksException(SandboxError):
    code = "ClusterContainsTasksException"


class UnsupportedFeatureException(SandboxError):
    code = "UnsupportedFeatureException"
    exit_status = 2


class LimitExceededException(SandboxError):
    """A limit refused the change: a workshop quota, or revisions per family (ECS's own name for
    "the limit for the resource was exceeded")."""

    code = "LimitExceededException"


class UnrecognizedClientException(SandboxError):
    """A workshop sandbox's API was called without its token (what AWS answers for a bad key)."""

    code = "UnrecognizedClientException"


class ServerException(SandboxError):
    code = "ServerException"


BY_CODE = {cls.code: cls for cls in SandboxError.__subclasses__()}
