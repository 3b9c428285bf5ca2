"""The application service: what Sedia does for a person, above storage and below the Rasa glue."""
