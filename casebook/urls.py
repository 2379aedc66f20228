from django.urls import path

from . import views

app_name = "casebook"

urlpatterns = [
    path("", views.home, name="home"),
    path("initiatives/", views.initiative_list, name="list"),
    path(
        "initiatives/export.csv",
        views.initiative_export,
        {"format": "csv"},
        name="export-csv",
    ),
    path(
        "initiatives/export.json",
        views.initiative_export,
        {"format": "json"},
        name="export-json",
    ),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme"),
    path("cities/", views.city_list, name="cities"),
    path("cities/<slug:slug>/", views.city_detail, name="city"),
]
