"""All timestamps are stored as naive UTC, identical on SQLite and PostgreSQL; people read them in
their own IANA time zone (`to_local`)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "America/New_York"

# The zones of the states and territories the program serves, as offered in forms.
TIME_ZONES = (
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Mountain, no daylight saving (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico, U.S. Virgin Islands)"),
    ("Pacific/Guam", "Chamorro (Guam, Northern Mariana Islands)"),
    ("Pacific/Pago_Pago", "Samoa (American Samoa)"),
)
TIME_ZONE_NAMES = frozenset(name for name, _ in TIME_ZONES)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


def to_local(value: datetime, zone: str) -> datetime:
    """A stored (naive UTC) datetime as an aware datetime in `zone`."""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def from_local(value: datetime, zone: str) -> datetime:
    """A wall-clock time typed in `zone` as stored (naive UTC); in the repeated hour of the autumn
    change, the first of the two."""
    return value.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def spoken(value: datetime, zone: str) -> str:
    """A stored datetime in a sentence: "March 9, 2026 at 9:00 AM CDT"."""
    return to_local(value, zone).strftime("%B %-d, %Y at %-I:%M %p %Z")


def today_in(zone: str) -> date:
    return to_local(utcnow(), zone).date()
