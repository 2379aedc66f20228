"""Keep what each initiative derives from what it links to (its search document, its
partners' sectors and kinds, its figures' evidence levels and methods) in step with them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.models import Partner

from .models import City, Figure, Initiative, Partnership


@receiver(post_save, sender=Initiative)
def initiative_saved(sender, instance, **kwargs):
    Initiative.objects.filter(pk=instance.pk).refresh_derived_fields()


@receiver(post_save, sender=Partnership)
@receiver(post_delete, sender=Partnership)
def partnership_changed(sender, instance, **kwargs):
    Initiative.objects.filter(pk=instance.initiative_id).refresh_derived_fields()


@receiver(post_save, sender=Figure)
@receiver(post_delete, sender=Figure)
def figure_changed(sender, instance, **kwargs):
    Initiative.objects.filter(pk=instance.initiative_id).refresh_figure_masks()


@receiver(post_save, sender=Partner)
def partner_saved(sender, instance, created, **kwargs):
    if not created:
        Initiative.objects.filter(
            partnerships__partner=instance
        ).distinct().refresh_derived_fields()


@receiver(post_save, sender=City)
def city_saved(sender, instance, created, **kwargs):
    if not created:
        Initiative.objects.filter(city=instance).refresh_derived_fields()
