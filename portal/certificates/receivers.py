"""Connect certificates to the events of other features (listed in portal/__init__.py CONNECTIONS)."""
from portal.signals import enrollment_completed


def on_enrollment_completed(enrollment) -> None:
    # Runs inside the completing transaction: the certificate is committed with the completion.
    from portal.certificates.services import issue_on_completion

    issue_on_completion(enrollment)


def connect() -> None:
    enrollment_completed.connect(on_enrollment_completed)  # strong ref to a module function: idempotent
