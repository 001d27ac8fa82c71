"""The web shell: FastAPI pages and the JSON API over goodwill.service."""
