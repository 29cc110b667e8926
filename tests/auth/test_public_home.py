from portal.auth.roles import Role


def test_signed_out_home_is_a_landing_page_with_the_three_ways_in(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.data.decode()
    assert "<h1>287(g) Training Portal</h1>" in html
    for href, label in (("/login", "Sign in"), ("/apply", "Apply for a 287(g) agreement"),
                        ("/verify", "Verify a certificate")):
        assert f'href="{href}">{label}</a>' in html


def test_signed_in_home_goes_to_the_role_landing_page(client, login, make):
    login(make.user(Role.OFFICER))
    assert client.get("/").status_code == 302


def test_every_page_names_the_favicon(client):
    page = client.get("/login")
    assert b'rel="icon" href="/static/favicon.svg"' in page.data
    assert client.get("/static/favicon.svg").status_code == 200
