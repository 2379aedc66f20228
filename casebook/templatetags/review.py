"""The reviewers' queue, for the admin's index."""

from django import template
from django.urls import reverse

from casebook.models import Initiative, Proposal

register = template.Library()


@register.inclusion_tag("admin/casebook/review_queue.html", takes_context=True)
def review_queue(context):
    """How many initiatives wait for review (new ones, and changes to published ones), linked
    to the list of them; shown to those who may publish."""
    user = context["request"].user
    if not Initiative.may_publish(user):
        return {"shown": False}
    url = reverse("admin:casebook_initiative_changelist")
    proposals = reverse("admin:casebook_proposal_changelist")
    return {
        "shown": True,
        "count": Initiative.objects.waiting_for_review(with_changes=True).count(),
        "url": f"{url}?review=waiting",
        "proposals": Proposal.objects.filter(state=Proposal.State.NEW).count(),
        "proposals_url": f"{proposals}?state__exact={Proposal.State.NEW.value}",
    }
