from django.urls import path

from portal import opportunity_views as views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_map_page, name="map"),
    path("map.csv", views.opportunity_map_csv, name="csv"),
    path("map.xlsx", views.opportunity_map_xlsx, name="xlsx"),
    path("region/<str:region>/", views.opportunity_drill_page, name="drill"),
    path("region/<str:region>/drill.csv", views.opportunity_drill_csv, name="drill-csv"),
    path("region/<str:region>/drill.xlsx", views.opportunity_drill_xlsx, name="drill-xlsx"),
]
