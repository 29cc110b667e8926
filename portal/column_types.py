"""Column types shared by the feature models."""
import enum

import sqlalchemy as sa


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """Store an enum by value as a plain string (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
