"""provisioning-harness: contract and sandbox test harness for Atlassian's
"add a new Enterprise product" cookbook."""

__version__ = "0.1.0"
