"""Builds the demo task image locally: a static busybox plus one shell script, FROM scratch.

Nothing is pulled when the host has a static busybox; the image carries a hash of its build
context, so asking again for an image already built costs one request.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import socket
import struct
import tarfile
import uuid
from pathlib import Path
from typing import Callable

import docker.errors

from sandbox.runtime.base import RuntimeError_, RuntimeUnavailable
from sandbox.runtime.docker_runtime import TRANSPORT_ERRORS, api_reason, connect, unavailable_message

DEMO_IMAGE = "servicelab/demo-task"
DEMO_TAG = f"{DEMO_IMAGE}:latest"
LABEL_CONTEXT = "servicelab.context-hash"
IMAGE_DIR = Path(__file__).parent
BUSYBOX_IMAGE = "busybox:musl"  # statically linked, unlike busybox:latest's glibc variant
BUILD_TIMEOUT = 600

INSTALL_ADVICE = (
    "no statically linked busybox found and none could be pulled; install one: "
    "Debian/Ubuntu `sudo apt-get install busybox-static`, Alpine `sudo apk add busybox-static`, "
    "Fedora `sudo dnf install busybox`"
)

# ELF e_machine for Docker's architecture names: a foreign-arch busybox would not run.
_MACHINES = {"amd64": 62, "x86_64": 62, "arm64": 183, "aarch64": 183, "arm": 40, "386": 3,
             "ppc64le": 21, "s390x": 22, "riscv64": 243}

Progress = Callable[[str], None]


class ImageBuildError(RuntimeError_):
    """The demo image could not be built; the message says what to do."""


def busybox_candidates() -> list[Path]:
    """Where a host busybox may be, in order of preference."""
    found = shutil.which("busybox")
    paths = [Path(found)] if found else []
    return paths + [Path("/bin/busybox"), Path("/usr/bin/busybox")]


def is_static_elf(data: bytes, arch: str | None = None) -> bool:
    """An ELF executable with no PT_INTERP (no dynamic loader), for `arch` when given."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        return False
    order = "<" if data[5] == 1 else ">"
    machine = struct.unpack_from(order + "H", data, 18)[0]
    if arch and arch in _MACHINES and machine != _MACHINES[arch]:
        return False
    if data[4] == 2:
        phoff = struct.unpack_from(order + "Q", data, 0x20)[0]
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x36)
    else:
        phoff = struct.unpack_from(order + "I", data, 0x1C)[0]
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x2A)
    if phnum == 0 or phoff + phnum * phentsize > len(data):
        return False
    PT_INTERP = 3
    return all(struct.unpack_from(order + "I", data, phoff + i * phentsize)[0] != PT_INTERP for i in range(phnum))


def host_busybox(arch: str | None = None) -> bytes | None:
    for path in busybox_candidates():
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if is_static_elf(data, arch):
            return data
    return None


def registry_answers(host: str = "registry-1.docker.io", timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def pull_busybox(client, say: Progress) -> bytes | None:
    """/bin/busybox out of busybox:musl: the local copy if any, else pulled if a registry answers."""
    try:
        client.api.inspect_image(BUSYBOX_IMAGE)
    except docker.errors.NotFound:
        if not registry_answers():
            return None
        say(f"pulling {BUSYBOX_IMAGE} for its static busybox")
        try:
            client.api.pull(BUSYBOX_IMAGE)
        except docker.errors.APIError as exc:
            say(f"could not pull {BUSYBOX_IMAGE}: {api_reason(exc)}")
            return None
    container = client.api.create_container(BUSYBOX_IMAGE, command=["true"], name=f"servicelab-busybox-{uuid.uuid4().hex[:8]}")
    try:
        stream, _ = client.api.get_archive(container["Id"], "/bin/busybox")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile("busybox")
            return member.read() if member else None
    finally:
        client.api.remove_container(container["Id"], force=True)


def build_context(busybox: bytes) -> tuple[dict[str, bytes], str]:
    """The files to send and their hash, which names this exact build."""
    try:
        files = {name: (IMAGE_DIR / name).read_bytes() for name in ("Dockerfile", "demo-task")}
    except OSError as exc:  # a broken install, not a Docker problem
        raise ImageBuildError(f"the demo image's sources are missing: {exc}") from None
    files["busybox"] = busybox
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    return files, digest.hexdigest()


def _tar(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755  # COPY keeps the mode: the script must be executable
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def _existing(client, digest: str) -> str | None:
    """The id of an image built from this very context, tagged as the demo image."""
    images = client.api.images(filters={"label": f"{LABEL_CONTEXT}={digest}"})
    if not images:
        return None
    image = images[0]
    if DEMO_TAG not in (image.get("RepoTags") or []):
        client.api.tag(image["Id"], DEMO_IMAGE, "latest")
    return image["Id"]


def _build(client, files: dict[str, bytes], digest: str, say: Progress) -> str:
    image_id = None
    for chunk in client.api.build(
        fileobj=_tar(files), custom_context=True, tag=DEMO_TAG, labels={LABEL_CONTEXT: digest},
        rm=True, forcerm=True, pull=False, decode=True, timeout=BUILD_TIMEOUT,
    ):
        if "error" in chunk:
            raise ImageBuildError(f"building {DEMO_TAG} failed: {' '.join(str(chunk['error']).split())}")
        for line in str(chunk.get("stream") or chunk.get("status") or "").splitlines():
            if line.strip():
                say(line.rstrip())
        image_id = (chunk.get("aux") or {}).get("ID", image_id)
    return image_id or client.api.inspect_image(DEMO_TAG)["Id"]


def ensure_image(client=None, progress: Progress | None = None, force: bool = False) -> str:
    """Build servicelab/demo-task:latest unless an image of the same context exists; its id."""
    say = progress or (lambda line: None)
    client = client if client is not None else connect()
    try:
        arch = client.version().get("Arch")
        busybox = host_busybox(arch) or pull_busybox(client, say)
        if busybox is None or not is_static_elf(busybox, arch):
            raise ImageBuildError(INSTALL_ADVICE)
        files, digest = build_context(busybox)
        if not force and (existing := _existing(client, digest)):
            say(f"{DEMO_TAG} is up to date")
            return existing
        say(f"building {DEMO_TAG}")
        return _build(client, files, digest, say)
    except docker.errors.APIError as exc:
        raise ImageBuildError(f"building {DEMO_TAG} failed: {api_reason(exc)}") from None
    except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
        raise RuntimeUnavailable(unavailable_message(exc)) from None


def image_present(client) -> bool:
    """Whether the demo image is on this machine (any build of it)."""
    try:
        client.api.inspect_image(DEMO_TAG)
        return True
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        raise RuntimeUnavailable(f"Docker could not inspect {DEMO_TAG}: {api_reason(exc)}") from None
    except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
        raise RuntimeUnavailable(unavailable_message(exc)) from None
