"""Events between features (blinker). Receivers run inside the sender's transaction."""
from blinker import Namespace

_signals = Namespace()

# sender: the Enrollment that has just completed its course (status and date already set).
enrollment_completed = _signals.signal("enrollment-completed")

# sender: the Attempt whose score is final (every part graded); fired again after a regrade.
attempt_graded = _signals.signal("attempt-graded")
