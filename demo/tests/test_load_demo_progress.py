"""What ``load_demo`` prints while it works, without loading the demo (``test_load_demo`` checks the
real run's output): stage lines at most every few seconds, no terminal codes, the banner's address,
and the security log kept quiet while the audit entries are still written."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command

from demo.loader import URL, Progress, login_lines
from demo.management.commands.load_demo import SECURITY_LOGGER, quiet_security_log, served_url


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_prints_stages_and_a_line_every_few_seconds() -> None:
    lines: list[str] = []
    clock = FakeClock()
    progress = Progress(lines.append, 7, every=5.0, clock=clock)

    progress.stage("示例市 2026年十四届二次会议", "180 件提案")
    for done in range(180):
        progress.tick(done, 180)
        clock.now += 0.125  # 22.5 seconds in all: a line at 5, 10, 15 and 20
    progress.done("提案 180/180")

    assert lines == [
        "[1/7] 示例市 2026年十四届二次会议：180 件提案……",
        "[1/7] 示例市 2026年十四届二次会议：提案 40/180（已用 5 秒）",
        "[1/7] 示例市 2026年十四届二次会议：提案 80/180（已用 10 秒）",
        "[1/7] 示例市 2026年十四届二次会议：提案 120/180（已用 15 秒）",
        "[1/7] 示例市 2026年十四届二次会议：提案 160/180（已用 20 秒）",
        "[1/7] 示例市 2026年十四届二次会议：提案 180/180（用时 22.5 秒）",
    ]
    assert not any("\r" in line or "\x1b" in line for line in lines)  # plain lines, for pipes and logs too


def test_the_banner_names_the_address_served() -> None:
    assert served_url("http://127.0.0.1:8123") == "http://127.0.0.1:8123/"
    assert served_url("https://demo.example.org/banli/") == "https://demo.example.org/banli/"
    with pytest.raises(CommandError, match="--url"):
        call_command("load_demo", "--url", "127.0.0.1:8123")


@pytest.mark.django_db
def test_the_banner_lines_use_the_given_address() -> None:
    last = login_lines("http://127.0.0.1:8123/")[-1]
    assert "http://127.0.0.1:8123/api/v1/docs" in last and "http://127.0.0.1:8123/admin/" in last
    assert URL in login_lines()[-1]


@pytest.fixture
def security_lines() -> Iterator[list[logging.LogRecord]]:
    got: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            got.append(record)

    handler = Keep()
    logger = logging.getLogger(SECURITY_LOGGER)
    logger.addHandler(handler)
    yield got
    logger.removeHandler(handler)


def test_the_security_log_is_quiet_only_while_loading(security_lines: list[logging.LogRecord]) -> None:
    logger = logging.getLogger(SECURITY_LOGGER)
    with quiet_security_log():
        logger.info("创建用户")
        logger.warning("登录失败")
    logger.info("登录成功")
    assert [r.getMessage() for r in security_lines] == ["登录失败", "登录成功"]
