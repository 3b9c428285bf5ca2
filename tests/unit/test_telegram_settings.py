"""The Telegram channel's settings: off without a token, clear errors when they cannot work."""

from __future__ import annotations

import pytest

from bot.channels.telegram_settings import DEFAULT_BASE_URL, TelegramConfigError, TelegramSettings

TOKEN = "123456789:AAH-real_looking_token"


def test_no_token_means_the_channel_is_off():
    assert TelegramSettings.load(None, {}) is None
    assert TelegramSettings.load({"token": ""}, {"TELEGRAM_TOKEN": "  "}) is None


def test_polling_is_the_default_against_telegrams_own_servers():
    settings = TelegramSettings.load(None, {"TELEGRAM_TOKEN": TOKEN})
    assert (settings.mode, settings.base_url, settings.webhook_url) == ("polling", DEFAULT_BASE_URL, None)
    assert settings.channel_key == "telegram:123456789"  # the bot's id, never the secret part


def test_a_local_bot_api_server_and_credentials_override_the_environment():
    settings = TelegramSettings.load(
        {"base_url": "http://127.0.0.1:8081/bot"},
        {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "ignored"},
    )
    assert settings.base_url == "http://127.0.0.1:8081/bot"


def test_webhook_mode_needs_a_url_and_a_valid_secret():
    with pytest.raises(TelegramConfigError, match="TELEGRAM_WEBHOOK_URL"):
        TelegramSettings.load(None, {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook"})
    with pytest.raises(TelegramConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramSettings.load(
            None,
            {
                "TELEGRAM_TOKEN": TOKEN,
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_URL": "https://x/webhooks/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "has spaces!",
            },
        )
    settings = TelegramSettings.load(
        None,
        {
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_MODE": "Webhook",
            "TELEGRAM_WEBHOOK_URL": "https://x/webhooks/telegram/webhook",
        },
    )
    assert settings.mode == "webhook"


def test_without_a_configured_secret_one_is_derived_from_the_token():
    env = {"TELEGRAM_TOKEN": TOKEN}
    first, again = TelegramSettings.load(None, env), TelegramSettings.load(None, env)
    other = TelegramSettings.load(None, {"TELEGRAM_TOKEN": "987:other"})
    assert first.secret == again.secret != other.secret  # the same in every process, per bot
    assert TOKEN not in first.secret and len(first.secret) >= 32


@pytest.mark.parametrize(
    "env, problem",
    [
        ({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_MODE": "push"}, "TELEGRAM_MODE"),
        ({"TELEGRAM_TOKEN": "not a token"}, "TELEGRAM_TOKEN"),
        ({"TELEGRAM_TOKEN": "abc:def"}, "TELEGRAM_TOKEN"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_a_clear_message(env, problem):
    with pytest.raises(TelegramConfigError, match=problem):
        TelegramSettings.load(None, env)
