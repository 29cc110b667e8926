from flask import Flask
from flask_login import current_user

from portal.auth.roles import Role

NAVIGATION = {
    Role.OFFICER: [("progress.dashboard", "My training"), ("certificates.mine", "My certificates")],
    Role.INSTRUCTOR: [("classes.teaching", "My classes")],
    Role.COORDINATOR: [("agencies.coordinator_home", "My agency"), ("certificates.agency_certificates", "Certificates")],
    Role.ADMIN: [
        ("admin.home", "Overview"),
        ("agencies.admin_list", "Agencies"),
        ("courses.admin_list", "Courses"),
        ("classes.admin_list", "Classes"),
        ("admin.users", "Users"),
        ("certificates.admin_list", "Certificates"),
    ],
}


def register(app: Flask) -> None:
    @app.context_processor
    def navigation():
        items = NAVIGATION.get(current_user.role, []) if current_user.is_authenticated else []
        return {"nav_items": items, "Role": Role}

    @app.template_filter("date")
    def format_date(value, fmt="%b %-d, %Y"):
        return value.strftime(fmt) if value else "—"
