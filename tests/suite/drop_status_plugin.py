"""A pytest plugin for one test: the sandbox's provisioning status loses its ``status``."""

from harness.sandbox import views

_original = views.provisioning_status


def _without_status(p):  # type: ignore[no-untyped-def]
    body = _original(p)
    del body["data"]["status"]
    return body


views.provisioning_status = _without_status
