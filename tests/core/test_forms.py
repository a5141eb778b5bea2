"""Fields with errors keep their styling and are marked for the eye and for
assistive technology; text refuses control characters."""

from django import forms

from core.forms import style_fields


class Sample(forms.Form):
    title = forms.CharField(max_length=10)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


def test_a_field_with_an_error_keeps_its_class_and_is_marked_invalid():
    form = Sample({"title": "x" * 11, "day": "2026-12-02"})
    assert not form.is_valid()
    html = str(form["title"])
    assert 'class="form-control is-invalid"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="form-control"' in str(form["day"])


def test_a_control_character_in_text_is_an_error_beside_the_field():
    form = Sample({"title": "路灯\x01", "day": "2026-12-02"})
    assert not form.is_valid()
    assert list(form.errors) == ["title"]


def test_date_inputs_carry_iso_values():
    from datetime import date

    form = Sample(initial={"day": date(2026, 12, 2)})
    assert 'value="2026-12-02"' in str(form["day"])
