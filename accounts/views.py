from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import activity_for_user


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/activity.html", {"events": activity_for_user(request.user)})
