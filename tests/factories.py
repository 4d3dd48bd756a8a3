"""factory_boy factories. Posts are made through the real services, so test data obeys the
same rules (revisions, counters, rendered HTML) as data users create."""

import factory
from django.utils import timezone

from forum import services
from forum.models import Product, Role, RoleAssignment, Tag, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")
    date_joined = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=90))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").title())
    description = "A product people ask about."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("product", "name")

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"tag{n}")


def make_expert(user, product) -> User:
    RoleAssignment.objects.create(user=user, role=Role.EXPERT, product=product)
    return user


def make_question(
    *,
    author=None,
    product=None,
    title="How do I reset the device?",
    body="It blinks red and nothing happens.",
    tags=(),
):
    author = author or UserFactory()
    product = product or ProductFactory()
    for name in tags:
        TagFactory(product=product, name=name)
    return services.question_ask(author=author, product=product, title=title, body=body, tags=list(tags))


def make_answer(*, question, author=None, body="Hold the button for ten seconds."):
    return services.answer_post(author=author or UserFactory(), question=question, body=body)
