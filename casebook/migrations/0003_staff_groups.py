"""The two staff groups: Editors write initiatives, Reviewers also publish them.

Permissions are normally created by a post_migrate signal, after every migration has run,
so they are created here first. Running this again changes nothing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    ("casebook", f"{action}_{model}")
    for model in ("initiative", "partnership", "figure", "source", "city")
    for action in ("add", "change", "view")
] + [
    ("partners", "add_partner"),
    ("partners", "change_partner"),
    ("partners", "view_partner"),
    ("casebook", "view_theme"),
    ("casebook", "view_funding"),
    ("casebook", "view_issue"),
]

REVIEWER_PERMISSIONS = EDITOR_PERMISSIONS + [
    ("casebook", "publish_initiative"),
    ("casebook", "change_theme"),
    ("casebook", "change_funding"),
    ("casebook", "change_issue"),
    ("casebook", "add_funding"),
    ("casebook", "add_issue"),
]

GROUPS = {"Editors": EDITOR_PERMISSIONS, "Reviewers": REVIEWER_PERMISSIONS}


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        permissions = []
        for app_label, codename in wanted:
            permissions.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(permissions)


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casebook", "0002_search_index"),
        ("partners", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
