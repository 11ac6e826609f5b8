"""The command centre at run time: one composition root owning links, dispatcher, sensing,
scheduler and alerts, built from a `CentreConfig`."""

from command.centre.config import CentreConfig, ConfigError, load_config

__all__ = ["CentreConfig", "ConfigError", "load_config"]
