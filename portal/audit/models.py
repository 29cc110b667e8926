from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.timeutil import utcnow


class AuditEvent(Model):
    """Append-only record of who did what. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40), default="")
    target_id: Mapped[str] = mapped_column(sa.String(60), default="")
    outcome: Mapped[str] = mapped_column(sa.String(20), default="success")
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
