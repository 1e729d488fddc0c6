"""Root conftest: the cookbook suite's plugin and its step definitions."""

pytest_plugins = [
    "harness.pytest_plugin",
    "features.steps.common",
    "features.steps.workspaces",
    "features.steps.entitlements",
    "features.steps.provisioning",
    "features.steps.orders",
    "features.steps.faults",
]
