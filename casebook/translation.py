from modeltranslation.translator import TranslationOptions, register

from ppci.lib.history import keep_history

from .models import City, Figure, Funding, Initiative, Issue, Partnership, Source, Theme


@register(City)
class CityTranslationOptions(TranslationOptions):
    fields = ("name", "description", "network_note")
    required_languages = ("es",)


@register(Theme)
class ThemeTranslationOptions(TranslationOptions):
    fields = ("name", "summary", "description")
    required_languages = ("es",)


@register(Funding)
class FundingTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("es",)


@register(Issue)
class IssueTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("es",)


@register(Initiative)
class InitiativeTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "description", "lessons_learned", "source_note", "place")
    required_languages = ("es",)


@register(Partnership)
class PartnershipTranslationOptions(TranslationOptions):
    fields = ("description",)


@register(Figure)
class FigureTranslationOptions(TranslationOptions):
    fields = ("label", "note", "source_locator", "checked_by")
    required_languages = ("es",)


@register(Source)
class SourceTranslationOptions(TranslationOptions):
    fields = ("title", "locator")
    required_languages = ("es",)


# History is kept from here, once each model has its language fields (and before the admin,
# which would otherwise register the models itself). An initiative's revision also holds its
# partnerships, figures and sources, so a deleted initiative comes back with them.
for model in (City, Theme, Funding, Issue, Partnership, Figure, Source):
    keep_history(model)
keep_history(Initiative, follow=["partnerships", "figures", "sources"])
