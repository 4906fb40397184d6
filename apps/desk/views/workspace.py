"""One ticket's workspace at /desk/tickets/<id>/: read the case, answer, act — in place.

GET draws the page (with `?macro=<id>`: the macro's confirmation). Every write is a POST naming
its operation (`op`, see `workspace_actions`) and calls one ticket service. With htmx the answer
is the page's body alone, swapped in place; without JavaScript a success redirects (Post/
Redirect/Get) and a refusal draws the page again with the agent's input kept.

The page polls `ticket_poll` every few seconds: presence ("Mina is writing a reply") and the
messages that arrived since it was drawn.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.parsing import id_from
from apps.desk.access import desk_view
from apps.desk.history import customer_history
from apps.desk.presence import presence_others, presence_touch
from apps.desk.views.workspace_actions import WorkspaceActions
from apps.desk.views.workspace_data import (
    conversation_items,
    event_values,
    macro_steps,
    macros_for_ticket,
    workspace_context,
)
from apps.desk.workspace_forms import ReplyForm
from apps.tickets.models import ReplyTemplate, Ticket
from apps.tickets.queue import desk_agents, reply_templates_for_ticket, reply_text_fill
from apps.tickets.queue.workspace import (
    ticket_get_for_workspace,
    ticket_messages_after,
    ticket_neighbour,
    ticket_timeline,
)


def ticket_url(ticket_id: int) -> str:
    return reverse("desk:ticket", args=[ticket_id])


class Workspace(WorkspaceActions):
    """The page for one ticket and the request acting on it."""

    def __init__(self, request, ticket_id: int):
        self.request = request
        self.ticket_id = ticket_id
        self.flash: list[tuple[str, str]] = []
        self.preview = ""
        self.held_ids: list[int] = []
        self.macro_confirm = None
        self.load()
        self.reply_form = self.fresh_reply_form()

    def load(self):
        self.ticket = ticket_get_for_workspace(ticket_id=self.ticket_id, with_timeline=False)
        if self.ticket is None:
            raise Http404(_("No such ticket."))
        self.templates = reply_templates_for_ticket(ticket=self.ticket)
        self.agents = list(desk_agents())

    def newest_id(self) -> int:
        return max((message.pk for message in self.ticket.conversation), default=0)

    def fresh_reply_form(self, data=None):
        return ReplyForm(
            data, templates=self.templates, initial={"seen_message_id": self.newest_id()}
        )

    # --- reading --------------------------------------------------------------------------------

    def show(self):
        macro_id = self.request.GET.get("macro", "")
        if id_from(macro_id):
            self.macro_choose(id_from(macro_id))
        # Presence is written by the poll (its first one fires on load), never by this GET.
        return self.render()

    def macro_choose(self, macro_id: int, seen_message_id: int | None = None):
        macro = (
            next((m for m in macros_for_ticket(self.ticket) if m.pk == macro_id), None)
            if self.request.user.has_perm("desk.view_macro")
            else None
        )
        if macro is None:
            self.say("error", _("This macro does not fit this ticket."))
            return
        self.macro_confirm = {
            "macro": macro,
            "body": reply_text_fill(text=macro.body, ticket=self.ticket) if macro.body else "",
            "steps": macro_steps(macro),
            "seen_message_id": self.newest_id() if seen_message_id is None else seen_message_id,
        }

    def render(self, status: int = 200):
        context = workspace_context(
            request=self.request,
            ticket=self.ticket,
            agents=self.agents,
            reply_form=self.reply_form,
            preview=self.preview,
            flash=self.flash,
            held_ids=self.held_ids,
            macro_confirm=self.macro_confirm,
        )
        template = "desk/_workspace_body.html" if self.request.htmx else "desk/workspace.html"
        return render(self.request, template, context, status=status)

    # --- answering ------------------------------------------------------------------------------

    def say(self, level: str, text: str):
        self.flash.append((level, text))

    def done(self, text: str):
        """A success: in place with htmx (the page drawn afresh), else Post/Redirect/Get."""
        if not self.request.htmx:
            messages.success(self.request, text)
            return HttpResponseRedirect(ticket_url(self.ticket.pk))
        self.load()
        self.reply_form = self.fresh_reply_form()
        self.preview = ""
        self.say("success", text)
        return self.render()

    def refuse(self, text: str, status: int = 400, level: str = "error"):
        """A refusal: the page again with the agent's input as it was, and why.

        htmx swaps only 2xx answers: in place the refusal answers 200 (the message says it);
        without JavaScript it keeps its 4xx status.
        """
        self.say(level, text)
        return self.render(status=200 if self.request.htmx else status)


@desk_view()
def ticket_workspace(request, ticket_id: int):
    page = Workspace(request, ticket_id)
    if request.method == "POST":
        return page.act()
    return page.show()


@desk_view()
def ticket_poll(request, ticket_id: int):
    """Presence and new messages for the open page (htmx polling)."""
    ticket = Ticket.objects.select_related("customer").only("pk", "customer__name")
    ticket = get_object_or_404(ticket, pk=ticket_id)
    after = request.GET.get("after", "")
    after_id = 0 if after == "0" else id_from(after)
    composing = request.GET.get("composing") == "1"
    presence_touch(ticket_id=ticket_id, user=request.user, composing=composing)
    new = (
        ticket_messages_after(ticket_id=ticket_id, after_id=after_id)
        if after_id is not None
        else []
    )
    from_others = [m for m in new if m.author_id != request.user.pk]
    return render(
        request,
        "desk/_workspace_live.html",
        {
            "others": list(presence_others(ticket_id=ticket_id, user=request.user)),
            "new_items": conversation_items(new),
            "after_id": max((m.pk for m in new), default=after_id or 0),
            # While the agent writes, the messages are shown but their draft stays guarded:
            # the send is held and they confirm it ("send anyway").
            "move_seen": not composing,
            "warn_new": composing and bool(from_others),
            "customer_name": ticket.customer.name,
        },
    )


@desk_view()
def ticket_history(request, ticket_id: int):
    """The customer's history beside the ticket, drawn after the page (htmx `load`): four
    queries the page itself does not wait for. Without JavaScript, a page of its own."""
    ticket = get_object_or_404(Ticket.objects.only("pk", "customer_id", "reference"), pk=ticket_id)
    context = {"history": customer_history(ticket=ticket), "ticket": ticket}
    if request.htmx:
        return render(request, "desk/_workspace_history.html", context)
    return render(request, "desk/workspace_history.html", context)


@desk_view()
def ticket_events(request, ticket_id: int):
    """The ticket's own timeline, drawn when the agent unfolds it (htmx); without JavaScript a
    page of its own."""
    ticket = get_object_or_404(Ticket.objects.only("pk", "reference", "subject"), pk=ticket_id)
    events = [(e, *event_values(e)) for e in ticket_timeline(ticket_id=ticket_id)]
    context = {"ticket": ticket, "timeline": events}
    if request.htmx:
        return render(request, "desk/_workspace_timeline.html", context)
    return render(request, "desk/workspace_timeline.html", context)


@desk_view()
def ticket_template_text(request, ticket_id: int):
    """One reply template with this ticket's placeholders filled, for insertion in the box."""
    ticket = get_object_or_404(
        Ticket.objects.select_related("customer", "shipment__carrier"), pk=ticket_id
    )
    template_id = request.GET.get("template", "")
    if not id_from(template_id):
        return JsonResponse({"error": _("Choose a template to use.")}, status=400)
    template = get_object_or_404(ReplyTemplate, pk=id_from(template_id), is_active=True)
    return JsonResponse({"text": reply_text_fill(text=template.body, ticket=ticket)})


@desk_view()
def ticket_step(request, ticket_id: int, direction: str):
    """The next or previous open ticket by SLA due time (the j/k keys)."""
    ticket = get_object_or_404(Ticket.objects.only("pk", "resolution_due_at"), pk=ticket_id)
    other = ticket_neighbour(ticket=ticket, forward=direction == "next")
    if other is None:
        messages.info(
            request,
            _("No next open ticket.") if direction == "next" else _("No previous open ticket."),
        )
        other = ticket.pk
    return HttpResponseRedirect(ticket_url(other))
