"""A person's notifications, email preferences and follows over the API: thin views over
``forum.notifications``, the same functions the inbox and the preferences page call.

Every endpoint here is about the requesting person only, so each needs credentials (401 without);
a notification that is someone else's is refused by ``notifications.notification_open`` (403).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from forum import notifications
from forum.models import Follow, Notification, Tag

from . import selectors as api_selectors
from . import serializers as s
from .pagination import Pagination
from .views import _context, _valid


@extend_schema(tags=["notifications"])
class NotificationListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.NotificationSerializer
    pagination_class = Pagination
    queryset = Notification.objects.none()

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first",
        parameters=[s.NotificationListInput],
        responses=s.NotificationSerializer(many=True),
    )
    def get(self, request):
        params = s.NotificationListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = api_selectors.notification_list(request.user, unread=params.validated_data["unread"])
        page = self.paginate_queryset(found)
        return self.get_paginated_response(s.NotificationSerializer(page, many=True, context=_context(request)).data)


@extend_schema(tags=["notifications"])
class UnreadCountApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_unread_count",
        summary="How many of your notifications are unread (what the site's header shows)",
        responses=s.UnreadCountSerializer,
    )
    def get(self, request):
        return Response({"unread": notifications.unread_count(request.user)})


@extend_schema(tags=["notifications"])
class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one of your notifications as read",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The notification's id.")],
        request=None,
        responses=s.NotificationSerializer,
    )
    def post(self, request, pk):
        notification = Notification.objects.select_related("actor", "post", "post__question").filter(pk=pk).first()
        if notification is None:
            raise Http404
        notifications.notification_open(user=request.user, notification=notification)
        notification.refresh_from_db(fields=["read_at"])
        return Response(s.NotificationSerializer(notification, context=_context(request)).data)


@extend_schema(tags=["notifications"])
class NotificationsReadAllApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications as read",
        request=None,
        responses=s.MarkedReadSerializer,
    )
    def post(self, request):
        marked = notifications.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": notifications.unread_count(request.user)})


@extend_schema(tags=["notifications"])
class NotificationPreferencesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_preferences_retrieve",
        summary="Your email settings (the defaults until you change them)",
        responses=s.NotificationPreferencesSerializer,
    )
    def get(self, request):
        return Response(s.NotificationPreferencesSerializer(notifications.preferences_for(request.user)).data)

    @extend_schema(
        operation_id="notifications_preferences_partial_update",
        summary="Change your email settings (send only the ones to change)",
        request=s.NotificationPreferencesInput,
        responses=s.NotificationPreferencesSerializer,
    )
    def patch(self, request):
        data = _valid(s.NotificationPreferencesInput, request)
        preference = notifications.preferences_update(user=request.user, **data)
        return Response(s.NotificationPreferencesSerializer(preference).data)


# --- Follows: where new questions notify you ------------------------------------------------------


@extend_schema(tags=["notifications"])
class FollowListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.FollowSerializer
    pagination_class = Pagination
    queryset = Follow.objects.none()

    @extend_schema(
        operation_id="notifications_follows_list",
        summary="The products and tags you follow (new questions there notify you)",
        responses=s.FollowSerializer(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(request.user.follows.select_related("product", "tag"))
        return self.get_paginated_response(s.FollowSerializer(page, many=True).data)

    @extend_schema(
        operation_id="notifications_follows_create",
        summary="Follow a product, or one tag of it",
        request=s.FollowInput,
        responses={201: s.FollowSerializer},
    )
    def post(self, request):
        data = _valid(s.FollowInput, request)
        product, name = data["product"], data["tag"].strip().lower()
        tag = None
        if name:
            tag = Tag.objects.filter(product=product, name=name).first()
            if tag is None:
                message = _("%(product)s has no tag “%(tag)s”.") % {"product": product.name, "tag": name}
                raise ValidationError({"tag": [message]})
        follow = notifications.follow_add(user=request.user, product=product, tag=tag)
        return Response(s.FollowSerializer(follow).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["notifications"])
class FollowDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_follows_destroy",
        summary="Stop following",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The follow's id.")],
        responses={204: None},
    )
    def delete(self, request, pk):
        # Someone else's follow is as good as none: 404, and nothing about it is revealed.
        if not request.user.follows.filter(pk=pk).exists():
            raise Http404
        notifications.follow_remove(user=request.user, follow_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
