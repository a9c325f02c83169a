"""Who may reach a page. Objects are hidden by the queries (404); these only gate pages."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


def staff_required(view):
    """A logged-in staff member acting for a unit."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.actor.is_resident:
            return redirect("core:portal")
        if request.actor.unit_id is None:
            return redirect(f"{reverse('core:choose_unit')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """A system admin or unit admin, acting for a unit."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.actor.is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def resident_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.actor.is_resident:
            return redirect("core:home")
        return view(request, *args, **kwargs)

    return wrapper


def post_only(page, **kwarg_names):
    """A form's target that only takes POST: opened by GET (an address copied from the address bar
    after a refused form, a reload), it sends the browser to the page the form belongs to, named
    `page` with the view's URL kwargs given in `kwarg_names` (page kwarg -> view kwarg), instead of
    a bare 405. Nothing is read or written on the way."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return redirect(page, **{name: kwargs[source] for name, source in kwarg_names.items()})
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
