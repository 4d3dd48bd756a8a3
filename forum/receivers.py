"""Keep caches honest when the data under them changes."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import RoleAssignment
from .permissions import roles_cache_key
from .selectors import expert_ids_cache_key


@receiver([post_save, post_delete], sender=RoleAssignment)
def forget_cached_roles(sender, instance: RoleAssignment, **kwargs):
    cache.delete(roles_cache_key(instance.user_id))
    if instance.product_id:
        cache.delete(expert_ids_cache_key(instance.product_id))
