"""A city official proposes an initiative in Spanish, with JavaScript off."""

import pytest
from playwright.sync_api import expect

from casebook.models import Proposal

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_city_official_proposes_an_initiative_in_spanish_without_javascript(
    no_js_page, live_casebook
):
    page = no_js_page
    page.goto(f"{live_casebook.url}/es/initiatives/")
    page.get_by_role("link", name="Propóngala para el libro de casos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proponer una iniciativa")
    page.get_by_label("Título:").fill("Mesas de convivencia de Valparaíso")
    page.get_by_label("Resumen:").fill(
        "La municipalidad, un club de fútbol y juntas de vecinos median conflictos."
    )
    page.get_by_label("Ciudad:").fill("Valparaíso")
    page.get_by_label("País:").select_option(label="Chile")
    page.get_by_label("Año de fundación:").fill("2019")
    page.get_by_label("Socio 1:", exact=True).fill("Municipalidad de Valparaíso")
    page.get_by_label("Sector del socio 1:").select_option(label="público")
    page.get_by_label("Socio 2:", exact=True).fill("Junta de vecinos Cerro Alegre")
    page.get_by_label("Sector del socio 2:").select_option(label="comunitario")
    page.get_by_label("Compromiso").check()
    page.get_by_label("Su nombre:").fill("Ana Rojas")
    page.get_by_label("Su cargo:").fill("Coordinadora de seguridad")
    page.get_by_label("Su organización:").fill("Municipalidad de Valparaíso")
    page.get_by_label("Su correo electrónico:").fill("ana.rojas@municipio.example")
    page.get_by_label("Acepto que las personas revisoras me contacten").check()
    page.get_by_role("button", name="Enviar la propuesta").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias por su propuesta")
    proposal = Proposal.objects.get()
    assert proposal.language == "es"
    assert [partner["sector"] for partner in proposal.partners] == ["public", "community"]
    assert list(proposal.themes.values_list("slug", flat=True)) == ["engagement"]
