from datetime import datetime

from flask import Flask, request, url_for
from flask_login import current_user

from portal.auth.roles import Role

NAVIGATION = {
    Role.OFFICER: [
        ("progress.dashboard", "My training"),
        ("certificates.mine", "My certificates"),
        ("records.mine", "My record"),
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


def navigation_links(items, path: str) -> list[dict]:
    """Primary navigation with the current section marked: the entry whose URL is the longest
    prefix of the current path (so an agency's page keeps "Agencies" current)."""
    links = [{"url": url_for(endpoint), "label": label} for endpoint, label in items]
    best = None
    for link in links:
        url = link["url"]
        if path == url or (url != "/" and path.startswith(url.rstrip("/") + "/")):
            if best is None or len(url) > len(best["url"]):
                best = link
    for link in links:
        link["current"] = link is best
        link["exact"] = link is best and path == link["url"]
    return links


def register(app: Flask) -> None:
    @app.context_processor
    def navigation():
        items = NAVIGATION.get(current_user.role, []) if current_user.is_authenticated else []
        return {"nav_items": items, "nav_links": navigation_links(items, request.path), "Role": Role}

    @app.template_filter("date")
    def format_date(value, fmt="%b %-d, %Y"):
        return value.strftime(fmt) if value else "—"

    from portal.timeutil import utcnow

    app.add_template_global(utcnow, "utcnow")

    @app.template_filter("isoutc")
    def iso_utc(value: datetime | None) -> str:
        """A naive UTC datetime as ISO 8601 with a Z, for data attributes read by scripts."""
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
