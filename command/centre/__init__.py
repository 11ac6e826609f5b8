"""The command centre at run time: one composition root owning links, dispatcher, sensing,
scheduler and alerts, built from a `CentreConfig`."""

from command.centre.centre import CommandCentre
from command.centre.config import CentreConfig, ConfigError, load_config
from command.centre.operations import OperationRefused, VehicleAction, ZonePreview

__all__ = [
    "CentreConfig",
    "CommandCentre",
    "ConfigError",
    "OperationRefused",
    "VehicleAction",
    "ZonePreview",
    "load_config",
]
