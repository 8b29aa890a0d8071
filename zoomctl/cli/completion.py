"""`zoomctl completion SHELL`: print a static completion script."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import app_of


def completion(
    ctx: typer.Context,
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print a shell completion script.

    \b
    Examples:
      zoomctl completion bash > ~/.local/share/bash-completion/completions/zoomctl
      zoomctl completion zsh > "${fpath[1]}/_zoomctl"
      zoomctl completion fish > ~/.config/fish/completions/zoomctl.fish
    """
    from zoomctl import textcheck
    from zoomctl.core.completion_scripts import SHELLS, render, tree_from_click

    textcheck.choice(shell, "shell", list(SHELLS), hint=f"choose one of: {', '.join(SHELLS)}")
    app_of(ctx).ui.write(render(shell, tree_from_click(ctx.find_root().command)))
