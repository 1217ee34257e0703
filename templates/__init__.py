"""The built-in templates, loaded with ``jinja2.PackageLoader("outreach.templates")``."""
