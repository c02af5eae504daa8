from django.urls import path

from intake import subscription_views

urlpatterns = [
    path("emails/<str:token>/unsubscribe/", subscription_views.email_unsubscribe, name="email_unsubscribe"),
    path("emails/<str:token>/subscribe/", subscription_views.email_resubscribe, name="email_resubscribe"),
]
