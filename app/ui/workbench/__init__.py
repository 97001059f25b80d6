"""工作台 (duty workbench) page."""
