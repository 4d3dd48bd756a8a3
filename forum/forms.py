from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from . import validation
from .models import Product, User


class MarkdownTextarea(forms.Textarea):
    def __init__(self, attrs=None):
        super().__init__({"rows": 10, "class": "markdown-input", **(attrs or {})})


class QuestionForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all(), empty_label=None)
    title = forms.CharField(
        label=_("Title"),
        max_length=settings.WENDAO["TITLE_MAX_LENGTH"],
        help_text=_("Be specific: what are you trying to do, and what happens instead?"),
    )
    body = forms.CharField(label=_("Details"), widget=MarkdownTextarea, help_text=_("Markdown is supported."))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Up to five, separated by spaces."))

    def clean_title(self):
        return validation.clean_title(self.cleaned_data["title"])

    def clean_body(self):
        return validation.clean_body(self.cleaned_data["body"])

    def clean_tags(self):
        return validation.parse_tag_names(self.cleaned_data["tags"])


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Your answer"), widget=MarkdownTextarea)

    def clean_body(self):
        return validation.clean_body(self.cleaned_data["body"])


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=settings.WENDAO["COMMENT_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_body(self):
        return validation.clean_comment(self.cleaned_data["body"])


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=settings.WENDAO["TITLE_MAX_LENGTH"], required=False)
    body = forms.CharField(label=_("Text"), widget=MarkdownTextarea)
    tags = forms.CharField(label=_("Tags"), required=False)
    reason = forms.CharField(
        label=_("Edit summary"),
        max_length=300,
        required=False,
        help_text=_("Why are you editing? Shown in the history."),
    )

    def __init__(self, *args, is_question: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_question = is_question
        if not is_question:
            del self.fields["title"]
            del self.fields["tags"]
        else:
            self.fields["title"].required = True

    def clean_title(self):
        return validation.clean_title(self.cleaned_data["title"])

    def clean_body(self):
        return validation.clean_body(self.cleaned_data["body"])

    def clean_tags(self):
        return validation.parse_tag_names(self.cleaned_data["tags"])


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), required=True)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "bio", "preferred_language")
