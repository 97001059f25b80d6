"""Templates: descriptions and Word forms filled from records (Jinja2 sandbox, docxtpl).

* ``DescriptionTemplate`` — a 公文 template (JSON description whose strings are templates);
  ``render(data)`` gives a description for ``app.typeset``; ``check(sample)`` lists problems.
* ``WordForm`` — a .docx form with placeholders; ``render(data)`` gives the filled .docx.
* ``load_template`` (``load_description_template``: JSON only) / ``shipped_templates`` / ``render_template`` — files, shipped defaults, output.
* ``TemplateProblem(field, line, message)`` and ``TemplateFailed`` (an ``InputError``).

Pure: no Qt, no database. The template manager stores a template's text (or .docx bytes), kind
and version, and calls these.
"""

from app.templating.description import TEMPLATE_KINDS, DescriptionTemplate
from app.templating.library import (
    load_data,
    load_description_template,
    load_template,
    render_template,
    shipped_templates,
)
from app.templating.sandbox import TemplateFailed, TemplateProblem, make_environment
from app.templating.wordform import WordForm, docx_to_pdf


def check(template: "DescriptionTemplate | WordForm", sample: dict | None = None) -> list[TemplateProblem]:
    """Every problem the editor should show before saving (empty list: fine)."""
    return template.check(sample)


__all__ = [
    "TEMPLATE_KINDS",
    "DescriptionTemplate",
    "TemplateFailed",
    "TemplateProblem",
    "WordForm",
    "check",
    "docx_to_pdf",
    "load_data",
    "load_description_template",
    "load_template",
    "make_environment",
    "render_template",
    "shipped_templates",
]
