"""``leaktrace serve``: the review workspace in the browser, over the results database."""

from scanner.serve.app import ServeConfig, Workspace, create_app
from scanner.serve.security import check_bind, is_loopback

__all__ = ["ServeConfig", "Workspace", "check_bind", "create_app", "is_loopback"]
