"""The desk's reply templates and macros."""

from django.urls import path

from apps.desk.views import library

urlpatterns = [
    path("templates/", library.templates_list, name="templates"),
    path("templates/new/", library.template_edit, name="template_new"),
    path("templates/<int:pk>/", library.template_edit, name="template_edit"),
    path("macros/", library.macros_list, name="macros"),
    path("macros/new/", library.macro_edit, name="macro_new"),
    path("macros/<int:pk>/", library.macro_edit, name="macro_edit"),
]
