from modeltranslation.translator import TranslationOptions, register

from ppci.lib.history import keep_history

from .models import Partner


@register(Partner)
class PartnerTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("es",)


# History is kept from here, once the partner has its language fields.
keep_history(Partner)
