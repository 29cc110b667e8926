from datetime import datetime

from flask import Flask, g, has_request_context, request, url_for
from flask_login import current_user

from portal.auth.roles import Role
from portal.timeutil import DEFAULT_TIME_ZONE, spoken, to_local, utcnow

NAVIGATION = {
    Role.OFFICER: [
        ("progress.dashboard", "My training"),
        ("certificates.mine", "My certificates"),
        ("records.mine", "My record"),
        ("classes.upcoming", "Class dates"),
    ],
    Role.INSTRUCTOR: [("classes.teaching", "My classes"), ("grading.teaching_exams", "Exams and grading")],
    Role.COORDINATOR: [
        ("agencies.coordinator_home", "My agency"),
        ("grading.agency_grades", "Grades"),
        ("certificates.agency_certificates", "Certificates"),
        ("nominations.coordinator_list", "Nominations"),
        ("classes.upcoming", "Class dates"),
        ("api_pages.agency_tokens", "API tokens"),
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
        ("api_pages.admin_tokens", "API tokens"),
    ],
}


# The section a feature's pages belong to (an exam's item analysis under "Exams and grading", an
# agreement under "Agencies", not under the role's home whose URL prefixes them): the first of
# these endpoints that the viewer's navigation has.
SECTION_OF_BLUEPRINT = {
    "grading": ("grading.teaching_exams", "grading.agency_grades"),
    "bank": ("grading.teaching_exams",),
    "quizzes": ("progress.dashboard",),
    "progress": ("progress.dashboard",),
    "agencies": ("agencies.admin_list", "agencies.coordinator_home"),
    "nominations": ("nominations.admin_list", "nominations.coordinator_list"),
    "courses": ("courses.admin_list",),
    "classes": ("classes.admin_list", "classes.teaching", "classes.upcoming"),
    "certificates": ("certificates.admin_list", "certificates.agency_certificates", "certificates.mine"),
    "reports": ("reports.program", "agencies.coordinator_home"),
    "audit": ("audit.events",),
    "admin": ("admin.users",),
    "records": ("records.mine", "agencies.coordinator_home", "classes.teaching", "admin.users"),
    "api_pages": ("api_pages.admin_tokens", "api_pages.agency_tokens"),
}


def navigation_links(items, path: str, blueprint: str | None = None) -> list[dict]:
    """Primary navigation with the current section marked: the entry whose URL is the page's;
    else the section of the page's feature (SECTION_OF_BLUEPRINT); else the entry whose URL is the
    longest prefix of the page's."""
    links = [{"url": url_for(endpoint), "label": label, "endpoint": endpoint} for endpoint, label in items]
    by_endpoint = {link["endpoint"]: link for link in links}
    best = next((link for link in links if link["url"] == path), None) or next(
        (by_endpoint[e] for e in SECTION_OF_BLUEPRINT.get(blueprint or "", ()) if e in by_endpoint), None)
    if best is None:
        under = [link for link in links if link["url"] != "/" and path.startswith(link["url"].rstrip("/") + "/")]
        best = max(under, key=lambda link: len(link["url"]), default=None)
    for link in links:
        link["current"] = link is best
        link["exact"] = link is best and path == link["url"]
    return links


def viewer_time_zone() -> str:
    """The zone the signed-in person reads times in (their agency's, else their own); the program's
    default for everyone else, and outside requests. Looked up once per request."""
    if not has_request_context():
        return DEFAULT_TIME_ZONE
    if "viewer_time_zone" not in g:
        g.viewer_time_zone = (current_user.reading_time_zone if current_user.is_authenticated
                              else DEFAULT_TIME_ZONE)
    return g.viewer_time_zone


def register(app: Flask) -> None:
    @app.context_processor
    def navigation():
        items = NAVIGATION.get(current_user.role, []) if current_user.is_authenticated else []
        return {"nav_items": items, "nav_links": navigation_links(items, request.path, request.blueprint), "Role": Role}

    @app.template_filter("date")
    def format_date(value, fmt="%b %-d, %Y"):
        """A date as it is; a stored datetime in the viewer's time zone (`%Z` names the zone)."""
        if not value:
            return "—"
        if isinstance(value, datetime):
            value = to_local(value, viewer_time_zone())
        return value.strftime(fmt)

    @app.template_filter("when")
    def format_moment(value: datetime | None, fmt="%b %-d, %Y %-I:%M %p %Z") -> str:
        """A stored datetime as the viewer reads it: "Dec 6, 2026 5:00 PM EST"."""
        return format_date(value, fmt)

    @app.template_filter("spoken")
    def spoken_moment(value: datetime | None) -> str:
        """A stored datetime in a sentence, in the viewer's zone: "March 9, 2026 at 9:00 AM CDT"."""
        return spoken(value, viewer_time_zone()) if value else "—"

    app.add_template_global(viewer_time_zone, "viewer_time_zone")

    @app.template_global()
    def icon_sprite_url() -> str:
        """The USWDS icon sprite's address, worked out once per request: a page shows dozens of icons."""
        if "icon_sprite_url" not in g:
            g.icon_sprite_url = url_for("static", filename="vendor/uswds/img/sprite.svg")
        return g.icon_sprite_url

    app.add_template_global(utcnow, "utcnow")

    @app.template_filter("isoutc")
    def iso_utc(value: datetime | None) -> str:
        """A naive UTC datetime as ISO 8601 with a Z, for data attributes read by scripts."""
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
