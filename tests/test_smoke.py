def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_officer_signs_in_and_lands_on_dashboard(client, make, login):
    officer = make.user()
    response = login(officer)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert b"You are not enrolled in a class yet" in page.data
