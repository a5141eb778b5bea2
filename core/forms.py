"""Form plumbing shared by every app: Bootstrap styling and a service's errors
shown beside the fields they concern."""

from django import forms

from .inputs import validate_no_control_characters


class StyledBoundField(forms.BoundField):
    """A field with errors is marked for the eye (is-invalid) as Django marks it
    for assistive technology (aria-invalid)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.form.is_bound and self.errors:
            # Extra attrs replace the widget's own: keep its classes, add one.
            classes = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            if "is-invalid" not in classes:
                attrs["class"] = f"{classes} is-invalid".strip()
        return attrs


def style_fields(form) -> None:
    """Bootstrap classes on every widget that has none yet; date inputs carry ISO
    values (2026-11-23), which is all an <input type=date> accepts; text fields
    refuse control characters beside the field."""
    form.bound_field_class = StyledBoundField
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and validate_no_control_characters not in field.validators:
            field.validators.append(validate_no_control_characters)
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        iso_date_input(widget)
        max_length = getattr(field, "max_length", None)
        if max_length and isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("maxlength", str(max_length))


def iso_date_input(widget) -> None:
    """<input type=date> takes only ISO dates, whatever the page's language."""
    if isinstance(widget, forms.DateInput) and "date" in (widget.input_type, widget.attrs.get("type")):
        widget.format = "%Y-%m-%d"
        widget.input_type = "date"


def mark_invalid(form) -> None:
    """Flag the fields with errors for assistive technology and for the eye."""
    for name, errors in form.errors.items():
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
            attrs["aria-invalid"] = "true"
            # The ids templates/_field_errors.html gives the messages.
            auto_id = form[name].auto_id
            if auto_id:
                attrs["aria-describedby"] = " ".join(
                    f"{auto_id}-error-{i}" for i in range(1, len(errors) + 1)
                )


def apply_validation_error(form, exc) -> None:
    """Show a service's ValidationError on the form it came from, field by field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
    mark_invalid(form)
