"""Every setting in one place: defaults, checks that name the variable, and the
pseudonymous identity's salt read once."""

import pytest

from bot.config import identity, settings


def test_defaults_live_in_the_data_folder(tmp_path):
    env = {"SEDIA_DATA_DIR": str(tmp_path / "var")}
    assert settings.data_dir(env) == tmp_path / "var" and (tmp_path / "var").is_dir()
    assert settings.database_url(env) == f"sqlite:///{tmp_path / 'var' / 'sedia.db'}"
    assert settings.tracker_url(env) == f"sqlite:///{tmp_path / 'var' / 'conversations.db'}"
    assert settings.redis_url(env) is None
    assert settings.public_url(env) == "http://127.0.0.1:8000"
    assert settings.min_group_size(env) == 5 and settings.plan_link_days(env) == 30
    assert settings.problems(env) == []


def test_set_values_are_taken_trimmed(tmp_path):
    env = {
        "SEDIA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": " postgresql://db/sedia ",
        "SEDIA_PUBLIC_URL": "https://sedia.example.my/",
        "SEDIA_RASA_URL": "https://chat.example.my/",
        "SEDIA_MIN_GROUP_SIZE": "7",
        "SEDIA_PLAN_LINK_DAYS": "0.5",
        "SEDIA_REDIS_URL": "redis://cache:6379/0",
    }
    assert settings.database_url(env) == "postgresql://db/sedia"
    assert settings.public_url(env) == "https://sedia.example.my"
    assert settings.rasa_url(env) == "https://chat.example.my"
    assert settings.min_group_size(env) == 7 and settings.plan_link_days(env) == 0.5
    assert settings.redis_url(env) == "redis://cache:6379/0"


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("SEDIA_MIN_GROUP_SIZE", "1", "SEDIA_MIN_GROUP_SIZE must be at least 2"),
        ("SEDIA_MIN_GROUP_SIZE", "five", "SEDIA_MIN_GROUP_SIZE must be a whole number, not 'five'"),
        ("SEDIA_PLAN_LINK_DAYS", "0", "SEDIA_PLAN_LINK_DAYS must be more than 0"),
        ("SEDIA_PLAN_LINK_DAYS", "a month", "SEDIA_PLAN_LINK_DAYS must be a number of days, not 'a month'"),
    ],
)
def test_a_wrong_value_is_named_before_anything_starts(tmp_path, name, value, says):
    env = {"SEDIA_DATA_DIR": str(tmp_path), name: value}
    found = settings.problems(env)
    assert len(found) == 1 and found[0].startswith(says), found
    with pytest.raises(settings.SettingError, match=says):
        settings.check(env)


def test_a_data_folder_that_cannot_be_made_is_a_problem(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert settings.problems({"SEDIA_DATA_DIR": str(blocker / "var")})


def test_the_salt_is_read_once_per_setting(data_dir, monkeypatch):
    reads = []
    real = identity.shared_secret
    monkeypatch.setattr(identity, "shared_secret", lambda secret: reads.append(secret) or real(secret))
    first = identity.respondent_id("rest", "someone")
    assert identity.respondent_id("rest", "someone") == first
    identity.pseudonymous_sender("telegram", 42)
    identity.conversation_pseudonym("someone")
    assert len(reads) == 1
    # Another salt (a test, a tool run with SEDIA_ID_SALT) is read again, not mixed up.
    monkeypatch.setenv("SEDIA_ID_SALT", "another salt")
    assert identity.respondent_id("rest", "someone") != first
    assert len(reads) == 2


def test_the_launchers_ports_are_settings_and_a_wrong_one_is_named(tmp_path):
    env = {"SEDIA_DATA_DIR": str(tmp_path)}
    assert [settings.port(name, env) for name in settings.PORTS] == [5005, 5055, 8000, 5006]
    assert settings.port("WEB_PORT", {**env, "WEB_PORT": "9000"}) == 9000
    found = settings.problems({**env, "RASA_PORT": "fifty", "WEB_PORT": "70000"})
    assert found == [
        "RASA_PORT must be a port number, not 'fifty'",
        "WEB_PORT must be a port number from 1 to 65535, not 70000",
    ]


def test_where_the_widget_and_the_action_server_are_reached():
    assert settings.action_endpoint_url({}) is None
    assert settings.action_endpoint_url({"ACTION_ENDPOINT_URL": " http://actions:5055/webhook "}) == (
        "http://actions:5055/webhook"
    )
    assert settings.widget_origins({"SEDIA_WIDGET_ORIGINS": "https://a.edu.my/, https://b.edu.my"}) == [
        "https://a.edu.my",
        "https://b.edu.my",
    ]
