from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import Initiative


class NewInitiativesFeed(Feed):
    """Newly published initiatives, in the language of the feed's address."""

    feed_type = Atom1Feed
    title = _("PPCI Case Book: newly published initiatives")
    subtitle = _("Public-private community initiatives against violence and extremism.")

    def link(self):
        return reverse("casebook:list")

    def items(self):
        return (
            Initiative.objects.published()
            .select_related("city")
            .order_by("-published_at", "slug")[:30]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at
