from modeltranslation.translator import TranslationOptions, register

from .models import Partner


@register(Partner)
class PartnerTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("es",)
