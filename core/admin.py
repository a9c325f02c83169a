"""The admin area's registers: organisations, units, users and memberships.

Built on Django's admin for its lists, search and forms, but every save goes through
`actions.save_admin_object` (permission check + audit event in one transaction), nothing is
deleted (deactivate instead), and who may see what follows our roles, not Django's permissions:
system admins manage everything, unit admins the memberships and users of their own unit, within
the role-grant rules of `core.permissions` that the actions enforce.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from core import actions, permissions
from core.errors import ActionError
from core.models import Membership, Organisation, Role, Unit, User


class SamverkanAdminSite(admin.AdminSite):
    site_header = "Samverkan – administration"
    site_title = "Samverkan administration"
    index_title = "Register"
    site_url = "/administration/"

    def has_permission(self, request):
        actor = getattr(request, "actor", None)
        return bool(request.user.is_active and actor and actor.unit_id and actor.is_admin)

    def password_change(self, request, extra_context=None):
        # One place to change one's password, audited like every write.
        return redirect("core:change_password")

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect(f"{reverse('core:login')}?next={request.get_full_path()}")


site = SamverkanAdminSite(name="registers")


class AuditedAdmin(admin.ModelAdmin):
    """Saves through the audited action; permissions from the acting membership's roles."""

    system_admin_only = True

    def _actor(self, request):
        return request.actor

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        actor = self._actor(request)
        return actor.is_system_admin or (not self.system_admin_only and actor.has_role(Role.UNIT_ADMIN))

    def has_add_permission(self, request):
        return self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            actions.save_admin_object(self._actor(request), obj)
        except ActionError as error:
            # The form has validated already; this is a permission or domain refusal.
            raise PermissionDenied(str(error)) from None

    def get_actions(self, request):
        return {}


@admin.register(Organisation, site=site)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "code", "county_code", "healthcare_region", "active"]
    list_filter = ["kind", "healthcare_region", "active"]
    search_fields = ["name", "code"]


@admin.register(Unit, site=site)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "hsa_id", "kind", "organisation", "parent", "active"]
    list_filter = ["kind", "organisation__kind", "active"]
    search_fields = ["name", "hsa_id", "organisation__name"]
    autocomplete_fields = ["organisation", "parent"]
    list_select_related = ["organisation", "parent"]


class MembershipForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(label="Roller", choices=Role.choices, widget=forms.CheckboxSelectMultiple,
                                      required=False)

    class Meta:
        model = Membership
        fields = ["user", "unit", "profession", "roles", "active"]


@admin.register(Membership, site=site)
class MembershipAdmin(AuditedAdmin):
    system_admin_only = False
    form = MembershipForm
    list_display = ["user", "unit", "profession", "active"]
    list_filter = ["profession", "active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__hsa_id"]
    list_select_related = ["user", "unit", "unit__organisation"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        actor = self._actor(request)
        return queryset if actor.is_system_admin else queryset.filter(unit_id=actor.unit_id)

    def get_readonly_fields(self, request, obj=None):
        # Person and unit are fixed once made (core.permissions): end it and make a new one instead.
        return ["user", "unit"] if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        # Offer only the roles the action would accept from this admin (core.permissions).
        form = super().get_form(request, obj, **kwargs)
        grantable = permissions.grantable_roles(self._actor(request))
        form.base_fields["roles"] = forms.MultipleChoiceField(
            label="Roller", choices=[(code, label) for code, label in Role.choices if code in grantable],
            widget=forms.CheckboxSelectMultiple, required=False,
            help_text="" if self._actor(request).is_system_admin else
            "Ekonomi, enhetsadministratör, skyddad identitet och systemadministratör ges av en systemadministratör.")
        return form

    def get_autocomplete_fields(self, request):
        # A unit admin picks only their own unit: a plain list (the unit register is not theirs to search).
        return ["user", "unit"] if self._actor(request).is_system_admin else ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        actor = self._actor(request)
        if db_field.name == "unit" and not actor.is_system_admin:
            kwargs["queryset"] = Unit.objects.filter(pk=actor.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return permissions.may_change_membership(self._actor(request), obj, obj)
        return super().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        actor = self._actor(request)
        if obj is not None and not actor.is_system_admin:
            return obj.unit_id == actor.unit_id and super().has_view_permission(request)
        return super().has_view_permission(request, obj)


@admin.register(User, site=site)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    system_admin_only = False
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["username", "first_name", "last_name", "email", "hsa_id"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "hsa_id"]}),
        ("Status", {"fields": ["home_unit", "is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "first_name", "last_name", "email",
                                                               "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
    autocomplete_fields = ["home_unit"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # The home unit decides who looks after the account: moved by system administrators only.
        return fields if self._actor(request).is_system_admin else [*fields, "home_unit"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(patient__isnull=True)
        actor = self._actor(request)
        return queryset if actor.is_system_admin else queryset.filter(memberships__unit_id=actor.unit_id).distinct()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request)  # the queryset hides other units' people

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return permissions.may_govern_user(self._actor(request), obj)
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if user is None or not self.has_change_permission(request, user):
            raise PermissionDenied
        if request.method == "POST":
            if request.POST.get("password1", "") != request.POST.get("password2", ""):
                messages.error(request, "Lösenorden är inte lika.")
                return redirect(request.path)
            try:
                actions.set_user_password(self._actor(request), user, request.POST.get("password1", ""))
            except ActionError as error:
                messages.error(request, str(error).split(": ", 1)[-1])
                return redirect(request.path)
            messages.success(request, "Lösenordet är ändrat.")
            return redirect(reverse("registers:core_user_change", args=[user.pk]))
        return super().user_change_password(request, id, form_url)
