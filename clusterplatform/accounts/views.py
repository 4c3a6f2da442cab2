"""Sign-up; log-in, log-out and password reset are Django's own views (see urls.py)."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import SignUpForm


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("clusters:my-organisations")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready. Create your organisation next.")
        return redirect("clusters:my-organisations")
    return render(request, "registration/signup.html", {"form": form})
