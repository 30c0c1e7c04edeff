"""The `servicelab aws-env` lines, ready to copy: the real AWS CLI and boto3 in a second terminal."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def env_lines(api: str, sandbox: str) -> list[str]:
    """`export …` lines for this sandbox, as `servicelab aws-env` prints them (the token in a workshop)."""
    from sandbox.workshop import tokens
    from sandbox.api.awsenv import DEFAULT_REGION, lines

    return lines(api, DEFAULT_REGION, tokens.read(sandbox)) if api else []


class AwsEnvScreen(ModalScreen[None]):
    """The export lines, a one-line alternative, and a copy button (OSC 52, where the terminal allows)."""

    BINDINGS = [
        Binding("c", "copy", "Copy the lines"),
        Binding("escape,q,A", "close", "Close"),
    ]

    def __init__(self, sandbox: str, cluster: str, api: str) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.cluster = cluster
        self.api = api
        self.lines = env_lines(api, sandbox)

    @property
    def text(self) -> str:
        """Everything the dialog says, as plain text."""
        return "\n".join(static.visual.plain if isinstance(static.visual, Content) else str(static.visual)
                         for static in self.query(Static))

    def compose(self) -> ComposeResult:
        plain = self.app.plain  # type: ignore[attr-defined]
        cluster = "" if self.cluster == "default" else f" --cluster {self.cluster}"
        with Vertical(id="aws-env-dialog", classes="dialog"):
            yield Static("Use the real AWS CLI and boto3 on this sandbox", classes="dialog-title")
            if not self.lines:
                yield Static("The sandbox's control plane is not running yet, so it has no address. Wait for the "
                             "status bar to say live, then press A again.", classes="dialog-body")
            else:
                yield Static(Content("In a second terminal, paste these lines (aws ecs … and boto3 there then "
                                     "reach this sandbox, nothing else is redirected):"), classes="dialog-body")
                yield Static(Content("\n".join(self.lines)), id="aws-env-lines")
                yield Static(Content(f"Or run: eval \"$(servicelab --sandbox {self.sandbox} aws-env)\"\n"
                                     f"Then try: aws ecs list-services{cluster}"), classes="dialog-body")
                if any("AWS_SECRET_ACCESS_KEY=servicelab" not in line for line in self.lines
                       if line.startswith("export AWS_SECRET_ACCESS_KEY")):
                    yield Static("This is a workshop sandbox: the secret key is your sandbox's token; keep it to "
                                 "yourself.", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                if self.lines:
                    yield Button("Copy (c)", id="copy", variant="primary", compact=plain)
                yield Button("Close (esc)", id="close", compact=plain)

    def on_mount(self) -> None:
        self.query_one("#copy" if self.lines else "#close", Button).focus()

    def action_copy(self) -> None:
        if not self.lines:
            return
        self.app.copy_to_clipboard("\n".join(self.lines) + "\n")
        self.app.notify("Copied, if your terminal lets apps use the clipboard (OSC 52); if not, select the lines "
                        "with the mouse (shift+drag in some terminals)", title="aws-env")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)
