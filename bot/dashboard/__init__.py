"""Sedia's web app on port 8000: the landing page now; the widget and dashboard later."""
