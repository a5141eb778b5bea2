"""An API token is a password in another form: it stops working when the
password changes or the account is disabled (whoever learned either is shut out)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver


@receiver(pre_save, sender=get_user_model())
def revoke_tokens_when_access_changes(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in: no query
    from rest_framework.authtoken.models import Token

    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before and (
        before["password"] != instance.password or (before["is_active"] and not instance.is_active)
    ):
        Token.objects.filter(user_id=instance.pk).delete()
