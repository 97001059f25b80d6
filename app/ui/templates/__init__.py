"""模板 area: the template manager (list by kind, editor with live preview, versions)."""
