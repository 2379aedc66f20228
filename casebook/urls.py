from django.urls import path

from . import partner_views, views
from .feeds import NewInitiativesFeed

app_name = "casebook"

urlpatterns = [
    path("", views.home, name="home"),
    path("initiatives/", views.initiative_list, name="list"),
    path("initiatives/export.csv", views.initiative_export, {"format": "csv"}, name="export-csv"),
    path(
        "initiatives/export.json", views.initiative_export, {"format": "json"}, name="export-json"
    ),
    path(
        "initiatives/export-figures.csv",
        views.initiative_export,
        {"format": "figures-csv"},
        name="export-figures-csv",
    ),
    path(
        "initiatives/export.xlsx", views.initiative_export, {"format": "xlsx"}, name="export-xlsx"
    ),
    path("initiatives/datapackage.json", views.data_package, name="datapackage"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
    path(
        "initiatives/<slug:slug>/cite.bib",
        views.citation_download,
        {"format": "bib"},
        name="cite-bibtex",
    ),
    path(
        "initiatives/<slug:slug>/cite.ris",
        views.citation_download,
        {"format": "ris"},
        name="cite-ris",
    ),
    path(
        "initiatives/<slug:slug>/correction/",
        views.suggest_correction,
        name="suggest-correction",
    ),
    path(
        "initiatives/<slug:slug>/correction/thanks/",
        views.correction_thanks,
        name="correction-thanks",
    ),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme"),
    path("cities/", views.city_list, name="cities"),
    path("cities/<slug:slug>/", views.city_detail, name="city"),
    path("guide/", views.guide, name="guide"),
    path("network/", views.network, name="network"),
    path("compare/", views.compare, name="compare"),
    path("feed/", NewInitiativesFeed(), name="feed"),
    path("evidence/", views.evidence, name="evidence"),
    path("data-quality/", views.data_quality, name="data-quality"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("propose/", views.propose, name="propose"),
    path("propose/thanks/", views.propose_thanks, name="propose-thanks"),
]

# The partner pages, under /partners/ with the names partners:list and partners:detail.
partner_urlpatterns = (
    [
        path("", partner_views.partner_list, name="list"),
        path("<slug:slug>/", partner_views.partner_detail, name="detail"),
    ],
    "partners",
)
