import enum


class Role(enum.StrEnum):
    OFFICER = "officer"
    INSTRUCTOR = "instructor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Role.OFFICER: "Officer",
            Role.INSTRUCTOR: "Instructor",
            Role.COORDINATOR: "Agency coordinator",
            Role.ADMIN: "Program administrator",
        }[self]
