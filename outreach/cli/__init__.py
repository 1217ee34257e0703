"""The ``outreach`` command line: a thin layer over the library.

Errors a user can fix are one line on stderr and exit status 2; ``--debug`` shows the
traceback instead. Plugins add commands through the ``register_commands`` hook.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from ..errors import OutreachError
from .context import AppContext

__all__ = ["LazyPluginGroup", "cli", "main"]

# click 8.2 raises this when a group is called without a command; older clicks print help.
_NoArgsIsHelp: type[click.UsageError] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_Never", (click.UsageError,), {})
)


class LazyPluginGroup(click.Group):
    """A group whose plugin-provided commands load only when a name is not built in.

    Most invocations name a built-in command, and skipping the plugin scan keeps start-up
    fast; ``--help`` and any unknown name load the plugins first.
    """

    _plugins_loaded = False

    @staticmethod
    def load_plugin_commands() -> None:
        """Let every plugin add its commands (once per process)."""
        if not LazyPluginGroup._plugins_loaded:
            LazyPluginGroup._plugins_loaded = True
            from ..pluginhost import get_host

            get_host().add_commands(cli)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self.load_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command


class OutreachGroup(LazyPluginGroup):
    """The top-level group: turns outreach errors into one clear line and an exit status."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the CLI; in standalone mode every error is one line on stderr."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except _NoArgsIsHelp as exc:
            # A bare group ("outreach", "outreach contacts") asks for its help.
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            click.echo(f"outreach: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"outreach: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("outreach: aborted", err=True)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            click.echo(f"outreach: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("outreach: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            if isinstance(exc, OSError):
                # A file the user named or owns cannot be read or written (a folder in the
                # way, no permission, a full disk): theirs to fix, one line naming the file.
                from ..storage_errors import explain_os_error

                click.echo(f"outreach: error: {explain_os_error(exc)}", err=True)
                ctx.exit(2)
            import sqlite3

            if isinstance(exc, sqlite3.OperationalError):
                # Met outside the journal's own connection (whose errors name it already):
                # the same kind of trouble, disk full, read-only or locked.
                from ..storage_errors import explain_sqlite_error

                opened = app._workspace if app is not None else None  # noqa: SLF001
                path = opened.journal_path if opened is not None else "the journal"
                click.echo(f"outreach: error: {explain_sqlite_error(path, exc)}", err=True)
                ctx.exit(2)
            click.echo(
                f"outreach: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=OutreachGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="The workspace directory (default: $OUTREACH_HOME, else the current directory).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option(
    "--quiet", "-q", is_flag=True, help="Show no progress of long jobs (bars, periodic lines)."
)
@click.version_option(package_name="outreach")
@click.pass_context
def cli(ctx: click.Context, home: str | None, debug: bool, quiet: bool) -> None:
    """Keep in touch with everyone you have worked with.

    One vCard address book, a touch plan that says who is due, and campaigns by email,
    printed cards and LinkedIn drafts.
    """
    from .. import progress

    # On stderr, so piped output (JSON, listings) stays clean.
    progress.enable(not quiet)
    ctx.call_on_close(lambda: progress.enable(False))
    ctx.obj = AppContext(home=home, debug=debug)


def main() -> None:
    """The console-script entry point."""
    # `outreach contacts list | head` should end quietly, as other command-line tools do.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        cli(prog_name="outreach")
    except OutreachError as exc:  # raised past the group only with --debug
        traceback.print_exc()
        sys.exit(exc.exit_code)


def _register_builtin_commands() -> None:
    from . import backup, campaign, contacts, core, mail, plan

    for module in (core, contacts, campaign, plan, backup, mail):
        module.register(cli)


_register_builtin_commands()
