def locked_out(request, credentials=None, *args, **kwargs):
    from django.shortcuts import render

    return render(request, "core/locked_out.html", status=429)
