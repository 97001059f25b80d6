"""The office's template library: office-edited templates, their versions, and the shipped ones.
Its public face: other areas, the UI and the command line import from here, never from the
modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.templates.choice import ChosenTemplate, template_for
    from app.services.templates.library import (
        DESCRIPTION,
        FORMAT_LABELS,
        META_FIELDS,
        WORDFORM,
        TemplateContent,
        TemplateInfo,
        TemplateProblem,
        VersionInfo,
        check,
        default_choice,
        default_for,
        delete,
        duplicate,
        export_file,
        find_office,
        get,
        history,
        import_file,
        list_templates,
        load,
        parse,
        rename,
        render_template,
        restore,
        save,
        set_default,
        set_sample,
        version_content,
    )

__getattr__, __dir__ = public_face(__name__, {
    "ChosenTemplate": "choice",
    "template_for": "choice",
    "DESCRIPTION": "library",
    "FORMAT_LABELS": "library",
    "META_FIELDS": "library",
    "TemplateContent": "library",
    "TemplateInfo": "library",
    "TemplateProblem": "library",
    "VersionInfo": "library",
    "WORDFORM": "library",
    "check": "library",
    "default_choice": "library",
    "default_for": "library",
    "delete": "library",
    "duplicate": "library",
    "export_file": "library",
    "find_office": "library",
    "get": "library",
    "history": "library",
    "import_file": "library",
    "list_templates": "library",
    "load": "library",
    "parse": "library",
    "rename": "library",
    "render_template": "library",
    "restore": "library",
    "save": "library",
    "set_default": "library",
    "set_sample": "library",
    "version_content": "library",
})
__all__ = ["ChosenTemplate", "template_for", "DESCRIPTION", "FORMAT_LABELS", "META_FIELDS", "TemplateContent", "TemplateInfo", "TemplateProblem", "VersionInfo", "WORDFORM", "check", "default_choice", "default_for", "delete", "duplicate", "export_file", "find_office", "get", "history", "import_file", "list_templates", "load", "parse", "rename", "render_template", "restore", "save", "set_default", "set_sample", "version_content"]
