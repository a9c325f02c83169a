def shell(request):
    """The acting person and unit, shown on every page."""
    return {"actor": getattr(request, "actor", None)}
