"""A faithful, stateful emulator of the Datadog API parts the collection uses (lab only)."""

from dd_emulator.server import Emulator

__all__ = ["Emulator"]
