"""The widget's socket.io channel settings: allowed origins and the optional JWT key."""

from __future__ import annotations

from bot.channels.socketio import WidgetSocketIO
from bot.config.settings import widget_origins


def test_origins_come_from_the_setting_or_from_the_web_app():
    assert widget_origins({"SEDIA_WIDGET_ORIGINS": "https://staff.upm.edu.my/, http://localhost:8000"}) == [
        "https://staff.upm.edu.my",
        "http://localhost:8000",
    ]
    assert widget_origins({"SEDIA_PUBLIC_URL": "https://sedia.example.edu.my/app/"}) == ["https://sedia.example.edu.my"]
    assert widget_origins({}) == ["http://127.0.0.1:8000"]
    assert widget_origins({"SEDIA_WIDGET_ORIGINS": "*"}) == ["*"]


def test_sessions_persist_and_a_jwt_key_can_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SEDIA_WIDGET_JWT_KEY", raising=False)
    channel = WidgetSocketIO.from_credentials(None)
    assert channel.session_persistence is True and channel.jwt_key is None and channel.name() == "socketio"
    monkeypatch.setenv("SEDIA_WIDGET_JWT_KEY", "portal-secret")
    assert WidgetSocketIO.from_credentials({"session_persistence": True}).jwt_key == "portal-secret"
