def test_the_home_page_leads_to_the_verifier_and_sign_in(app):
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/verify"' in html
    assert 'href="/login"' in html
    assert "Industry badges for certified Linked Learning pathways" in html
