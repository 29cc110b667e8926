from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.access import public, signed_in
from portal.auth import sessions
from portal.auth.forms import ChangePasswordForm, LoginForm, SetPasswordForm
from portal.auth.passwords import verify_password
from portal.auth.redirects import landing_url, safe_next
from portal.auth.services import authenticate, set_password
from portal.auth.tokens import TokenError, user_for_token
from portal.extensions import db

bp = Blueprint("auth", __name__, template_folder="templates")


BAD_CREDENTIALS = "The email address or password is not right."


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the audit row of the failure
            form.password.errors.append(BAD_CREDENTIALS)
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh session at sign-in (no fixation)
        sessions.open_session(user)
        db.session.commit()
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or landing_url(user))
    return render_template("auth/login.html", form=form)


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
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is not right.")
        else:
            set_password(current_user, form.new_password.data, keep_session=current_user.session_token)
            db.session.commit()
            flash("Your password has been changed. Other browsers signed in as you were signed out.", "success")
            return redirect(landing_url(current_user))
    return render_template("auth/change_password.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password_from_link(token: str):
    try:
        user = user_for_token(token)
    except TokenError as exc:
        return render_template("auth/link_invalid.html", reason=str(exc)), 400
    form = SetPasswordForm()
    form.owner_email = user.email
    form.owner_names = (user.first_name, user.last_name)
    if form.validate_on_submit():
        set_password(user, form.new_password.data)
        db.session.commit()
        flash("Your password is set. You can sign in now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)
