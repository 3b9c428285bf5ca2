"""The pure core: Sedia's product logic and texts, importing neither Rasa nor a database or web library."""
