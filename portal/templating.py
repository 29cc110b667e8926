from flask import Flask
from flask_login import current_user

from portal.auth.roles import Role

NAVIGATION = {
    Role.OFFICER: [
        ("progress.dashboard", "My training"),
        ("certificates.mine", "My certificates"),
        ("classes.upcoming", "Class dates"),
        ("notifications.inbox", "Notifications"),
    ],
    Role.INSTRUCTOR: [("classes.teaching", "My classes"), ("grading.teaching_exams", "Exams and grading")],
    Role.COORDINATOR: [
        ("agencies.coordinator_home", "My agency"),
        ("grading.agency_grades", "Grades"),
        ("certificates.agency_certificates", "Certificates"),
        ("nominations.coordinator_list", "Nominations"),
        ("classes.upcoming", "Class dates"),
    ],
    Role.ADMIN: [
        ("admin.home", "Overview"),
        ("agencies.admin_list", "Agencies"),
        ("nominations.admin_list", "Nominations"),
        ("courses.admin_list", "Courses"),
        ("classes.admin_list", "Classes"),
        ("grading.teaching_exams", "Exams and grading"),
        ("admin.users", "Users"),
        ("certificates.admin_list", "Certificates"),
        ("reports.program", "Reports"),
        ("audit.events", "Audit log"),
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
