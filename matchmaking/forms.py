from django import forms

from .models import SuggestionFeedback


class DismissForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Why dismiss it?"), *SuggestionFeedback.Reason.choices],
        label="Reason",
    )
    note = forms.CharField(required=False, max_length=1000, widget=forms.TextInput)
