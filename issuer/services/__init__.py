"""Services: each takes a SQLAlchemy session and never commits; the view or command that
calls it owns the transaction."""
