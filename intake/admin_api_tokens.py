"""The admin of staff members' API tokens: made here, shown once, revoked here; never edited or deleted."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from intake.api_tokens import api_token_issue, api_token_revoke
from intake.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username"),
        help_text="The token acts with this staff member's permissions, and only theirs.",
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: ApiToken | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and not request.user.is_superuser:
            # A token acts with its user's rights: nobody mints one stronger than they may see.
            users = form.base_fields["user"]
            users.queryset = users.queryset.filter(is_superuser=False)
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return ["user", "name"] if obj is None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # A revoked token stays, so the audit trail can say whose token made a call.
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            return
        # The form offers active staff only, which is all api_token_issue accepts.
        token, raw = api_token_issue(user=obj.user, name=obj.name, by=request.user)
        obj.pk, obj.prefix, self._raw = token.pk, token.prefix, raw

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue=None) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "API token made",
            "opts": self.model._meta,
            "token": obj,
            "raw_token": self._raw,
        }
        response = TemplateResponse(request, "admin/intake/apitoken/created.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(permissions=["change"], description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, tokens: QuerySet) -> None:
        revoked = sum(api_token_revoke(token=token) for token in tokens)
        messages.success(request, f"Revoked {revoked} token(s).")
