"""Events between features (blinker). Receivers run inside the sender's transaction.

Receivers are connected in one place: each feature's `connect()`, listed in `CONNECTIONS` in
portal/__init__.py and called by create_app in that order (the order receivers run in)."""
from blinker import Namespace

_signals = Namespace()

enrollment_completed = _signals.signal("enrollment-completed", doc="""\
An enrollment has just completed its course (status COMPLETED and completed_at already set).

Sent by portal.progress.completion.complete_if_done, once per enrollment.
Sender: the Enrollment; no other arguments.
Received by notifications (the congratulations message) and certificates (issues the certificate),
in the transaction that completed the enrollment.""")
