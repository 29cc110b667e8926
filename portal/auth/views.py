import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.access import public, roles, signed_in
from portal.audit.services import record
from portal.auth import sessions
from portal.auth import two_factor as tfa
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RecoveryCodesForm,
    SecondFactorForm,
    SetPasswordForm,
    TimeZoneForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from portal.auth.models import User
from portal.auth.passwords import verify_password
from portal.auth.redirects import landing_url, safe_next
from portal.auth.reset import request_password_reset
from portal.auth.reset import reset_password as reset_password_to
from portal.auth.roles import Role
from portal.auth.services import authenticate, check_password, complete_sign_in, is_locked, register_failure, set_password
from portal.auth.tokens import RESET_PASSWORD, SET_PASSWORD, TokenError, user_for_token
from portal.database import write_transaction
from portal.extensions import db, limit_from_config, limiter
from portal.form_fields import add_error

bp = Blueprint("auth", __name__, template_folder="templates")


BAD_CREDENTIALS = "The email address or password is not right."
BAD_CODE = "That code is not right, or was already used."
PENDING_KEY = "pending_sign_in"  # user id, time and next page between the password and the code
PENDING_MAX_AGE = 300
SETUP_KEY = "totp_setup_secret"


def _failed_attempt(response) -> bool:
    # Sign-in forms answer 302 on success and re-render (200) on a failure: count failures only.
    return request.method == "POST" and response.status_code != 302


# One budget per client address for both sign-in steps (password, then code).
sign_in_throttle = limiter.shared_limit(
    **limit_from_config("LOGIN_RATE_LIMIT"), scope="sign-in", methods=["POST"], deduct_when=_failed_attempt
)


def _finish_sign_in(user: User, next_url: str | None, method: str):
    session.clear()  # a fresh session at sign-in (no fixation)
    complete_sign_in(user, method=method)
    db.session.commit()
    login_user(user)
    return redirect(safe_next(next_url) or landing_url(user))


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return render_template("auth/home.html")


@bp.route("/login", methods=["GET", "POST"])
@public
@sign_in_throttle
def login():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        check = check_password(form.email.data or "", form.password.data or "")
        with write_transaction():  # the hash is checked: only now wait for the write lock
            user = authenticate(check)
            if user is None:
                db.session.commit()  # keep the audit rows of the failure (and of a lock)
                add_error(form.password, BAD_CREDENTIALS)
                return render_template("auth/login.html", form=form), 200
            next_url = safe_next(request.args.get("next"))
            if user.has_two_factor:
                session.clear()
                session[PENDING_KEY] = {"user": user.id, "at": int(time.time()), "next": next_url}
                db.session.commit()
                return redirect(url_for("auth.second_factor"))
            return _finish_sign_in(user, next_url, "password")
    return render_template("auth/login.html", form=form)


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None, {}
    if time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None, {}
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or not user.has_two_factor or is_locked(user):
        return None, {}
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@public
@sign_in_throttle
def second_factor():
    """Second sign-in step for accounts with two-step sign-in: a TOTP code or a recovery code."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        method = tfa.verify_second_factor(user, form.code.data or "")
        if method is not None:
            return _finish_sign_in(user, pending.get("next"), method)
        locked = register_failure(user, "bad_second_factor")
        db.session.commit()
        if locked:
            session.pop(PENDING_KEY, None)
            flash(BAD_CODE, "error")
            return redirect(url_for("auth.login"))
        add_error(form.code, BAD_CODE)
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    sessions.close_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    form.owner_email = current_user.email
    form.owner_names = (current_user.first_name, current_user.last_name)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data or ""):
            add_error(form.current_password, "Your current password is not right.")
        else:
            set_password(current_user, form.new_password.data or "", keep_session=current_user.session_token)
            db.session.commit()
            flash("Your password has been changed. Other browsers signed in as you were signed out.", "success")
            return redirect(landing_url(current_user))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/time-zone", methods=["GET", "POST"])
@signed_in
def time_zone():
    """Staff without an agency choose their zone; an agency's people read times in the agency's."""
    if current_user.agency is not None:
        return render_template("auth/time_zone_agency.html", agency=current_user.agency)
    form = TimeZoneForm(obj=current_user)
    if form.validate_on_submit():
        old, current_user.time_zone = current_user.time_zone, form.time_zone.data
        record("time_zone_changed", current_user, old=old, new=current_user.time_zone)
        db.session.commit()
        flash("Time zone saved: times are now shown in it.", "success")
        return redirect(url_for("auth.time_zone"))
    return render_template("auth/time_zone.html", form=form)


def password_from_link(token: str, purpose: str, save, done: str, template: str):
    """A page that sets the password of the user a single-use link names: `save(user, password)`."""
    try:
        user = user_for_token(token, purpose)
    except TokenError as exc:
        return render_template("auth/link_invalid.html", reason=str(exc)), 400
    form = SetPasswordForm()
    form.owner_email = user.email
    form.owner_names = (user.first_name, user.last_name)
    if form.validate_on_submit():
        save(user, form.new_password.data or "")
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password_from_link(token: str):
    return password_from_link(token, SET_PASSWORD, set_password, "Your password is set. You can sign in now.",
                              "auth/set_password.html")


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(**limit_from_config("PASSWORD_RESET_RATE_LIMIT"), scope="password-reset", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data or "")
        db.session.commit()
        # The same page whether or not the address has an account.
        return render_template("auth/forgot_password_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return password_from_link(
        token, RESET_PASSWORD, reset_password_to,
        "Your password is changed, and every session of your account has ended. Sign in with the new password.",
        "auth/reset_password.html")


# --- two-step sign-in enrolment -----------------------------------------------------------------

@bp.get("/account/two-step")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def two_factor():
    return render_template(
        "auth/two_factor.html",
        enabled=current_user.has_two_factor,
        required=tfa.required_for(current_user),
        remaining=tfa.unused_recovery_codes(current_user) if current_user.has_two_factor else 0,
        disable_form=TwoFactorDisableForm(),
        codes_form=RecoveryCodesForm(),
    )


@bp.route("/account/two-step/setup", methods=["GET", "POST"])
@roles(Role.INSTRUCTOR, Role.ADMIN)
def two_factor_setup():
    if current_user.has_two_factor:
        return redirect(url_for("auth.two_factor"))
    if tfa.required_for(current_user) and request.method == "GET":
        flash("Administrators must use two-step sign-in. Set it up to continue.", "warning")
    secret = session.get(SETUP_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[SETUP_KEY] = tfa.new_secret()
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data or ""):
            add_error(form.current_password, "Your password is not right.")
        else:
            codes = tfa.enable(current_user, secret, form.code.data or "")
            if codes is None:
                add_error(form.code, "That code is not right. Check the time on your phone and try the new code.")
            else:
                db.session.commit()
                session.pop(SETUP_KEY, None)
                return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
    uri = tfa.provisioning_uri(current_user, secret)
    return render_template("auth/two_factor_setup.html", form=form, qr=tfa.qr_data_uri(uri), secret=secret)


@bp.post("/account/two-step/disable")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def two_factor_disable():
    form = TwoFactorDisableForm()
    if tfa.required_for(current_user):
        flash("Administrators must keep two-step sign-in on.", "error")
    elif not current_user.has_two_factor:
        pass
    elif form.validate_on_submit() and verify_password(current_user.password_hash, form.current_password.data or ""):
        tfa.disable(current_user)
        db.session.commit()
        flash("Two-step sign-in is off.", "success")
    else:
        flash("Your password is not right; two-step sign-in is still on.", "error")
    return redirect(url_for("auth.two_factor"))


@bp.post("/account/two-step/recovery-codes")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def two_factor_recovery_codes():
    form = RecoveryCodesForm()
    if not current_user.has_two_factor:
        return redirect(url_for("auth.two_factor"))
    if form.validate_on_submit() and verify_password(current_user.password_hash, form.current_password.data or ""):
        codes = tfa.new_recovery_codes(current_user)
        record("recovery_codes_replaced", current_user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
    flash("Your password is not right; your recovery codes did not change.", "error")
    return redirect(url_for("auth.two_factor"))
