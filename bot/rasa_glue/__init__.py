"""What Rasa loads or calls: the generated domain, the tracker and lock stores, the action server's plugins, and the pinned workarounds."""
