from tests.public.conftest import client, issue

__all__ = ["client", "issue"]
