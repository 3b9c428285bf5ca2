"""Input channels that Rasa loads from credentials.yml (Sedia's own Telegram connector)."""
