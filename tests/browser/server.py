"""The portal as the browser tests serve it: wsgi.py's app, configured from the environment the
`live_server` fixture gives it (a fresh database).

`gunicorn tests.browser.server:app` serves it, with static files cacheable for an hour: otherwise
every page load revalidates its dozen stylesheets, scripts, fonts and images (Flask's default is
no-cache), a few thousand requests over the crawl that no test is about.

`python -m tests.browser.server` migrates and seeds that database with the portal's own commands
(`flask db upgrade`, `flask seed-demo`) in one process rather than two."""
import sys

from wsgi import app

app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600


def prepare_database() -> int:
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["seed-demo"]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            print(f"flask {' '.join(args)} failed:\n{result.output}", file=sys.stderr)
            if result.exception and not isinstance(result.exception, SystemExit):
                raise result.exception
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(prepare_database())
