"""Connect notifications to the events of other features (listed in portal/__init__.py CONNECTIONS)."""
from portal.notifications.messages import notify_completed
from portal.signals import enrollment_completed


def on_enrollment_completed(enrollment, **_extra) -> None:
    # Queued in the completing transaction: sent only if the completion commits.
    notify_completed(enrollment)


def connect() -> None:
    enrollment_completed.connect(on_enrollment_completed)  # strong ref to a module function: idempotent
