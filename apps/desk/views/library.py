"""Reply templates and macros: the texts and one-click actions agents use in the workspace.

Agents add and edit reply templates; managers write macros (a reply plus status, priority and
assignment). Each list filters by language and category; each form answers with
Post/Redirect/Get, and a refused or invalid form comes back with its messages.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apps.desk.access import desk_view
from apps.desk.library_forms import MacroForm
from apps.desk.models import Macro
from apps.tickets.forms import ReplyTemplateForm
from apps.tickets.models import ReplyTemplate, TicketCategory

LIST_LIMIT = 500


def _filtered(request, queryset):
    language = request.GET.get("language", "")
    category = request.GET.get("category", "")
    if language in {"en", "ko"}:
        queryset = queryset.filter(language=language)
    if category in TicketCategory.values:
        queryset = queryset.filter(category=category)
    return queryset, {"language": language, "category": category}


def _edit(request, *, model, form_class, pk, kind: str, list_url: str, extra=None):
    action = "change" if pk else "add"
    app_label = model._meta.app_label
    if not request.user.has_perm(f"{app_label}.{action}_{model._meta.model_name}"):
        raise PermissionDenied
    instance = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if extra:
            extra(saved)
        saved.save()
        messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
        return redirect(list_url)
    return render(
        request,
        "desk/library/edit.html",
        {"form": form, "object": instance, "kind": kind, "list_url": list_url, "nav_key": kind},
    )


@desk_view("tickets.view_replytemplate")
def templates_list(request):
    rows, filters = _filtered(request, ReplyTemplate.objects.order_by("language", "name", "pk"))
    return render(
        request,
        "desk/library/templates.html",
        {
            "rows": rows[:LIST_LIMIT],
            "filters": filters,
            "categories": TicketCategory.choices,
            "nav_key": "templates",
        },
    )


@desk_view("tickets.view_replytemplate")
def template_edit(request, pk=None):
    return _edit(
        request,
        model=ReplyTemplate,
        form_class=ReplyTemplateForm,
        pk=pk,
        kind="templates",
        list_url="desk:templates",
    )


@desk_view("desk.view_macro")
def macros_list(request):
    rows, filters = _filtered(request, Macro.objects.order_by("language", "name", "pk"))
    return render(
        request,
        "desk/library/macros.html",
        {
            "rows": rows[:LIST_LIMIT],
            "filters": filters,
            "categories": TicketCategory.choices,
            "nav_key": "macros",
        },
    )


@desk_view("desk.view_macro")
def macro_edit(request, pk=None):
    def creator(macro):
        if macro.created_by_id is None:
            macro.created_by = request.user

    return _edit(
        request,
        model=Macro,
        form_class=MacroForm,
        pk=pk,
        kind="macros",
        list_url="desk:macros",
        extra=creator,
    )
