"""Pure domain code: rules, workflows, guards and errors. Imports neither Flask nor SQLAlchemy."""
