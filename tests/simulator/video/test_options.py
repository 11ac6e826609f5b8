"""The camera options of `python -m simulator`: checked before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.__main__ import UsageError, configure, main


def _args(tmp_path: Path, *video: str) -> list[str]:
    return ["--station-feed", str(tmp_path / "stations.csv"), *video]


def test_video_options_become_the_cameras_settings(tmp_path: Path) -> None:
    launch = configure(
        _args(tmp_path, "--drones", "3", "--video", "--video-size", "1280x720", "--video-fps",
              "30", "--video-port", "6000", "--image-dir", str(tmp_path / "img"))
    )  # fmt: skip
    video = launch.config.video
    assert video is not None and video.stream_at_start
    assert (video.stream.width, video.stream.height, video.stream.fps) == (1280, 720, 30)
    assert video.stream.bitrate_bps == 6_000_000  # capped
    assert [video.port_of(i) for i in range(3)] == [6000, 6001, 6002]
    assert video.image_dir == (tmp_path / "img").resolve() and video.image_dir.is_dir()
    assert configure(_args(tmp_path)).config.video is None  # no cameras unless asked
    idle = configure(_args(tmp_path, "--video-idle")).config.video
    assert idle is not None and not idle.stream_at_start


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--video", "--video-size", "640-360"], "--video-size '640-360'"),
        (["--video", "--video-size", "641x360"], "even sizes"),
        (["--video", "--video-fps", "0"], "frame rate 0"),
        (["--video", "--video-keyframe", "30"], "keyframe spacing"),
        (["--video", "--video-port", "65535", "--drones", "2"], "--video-port 65535"),
        (["--video", "--video-bitrate", "10"], "--video-bitrate 10"),
        (["--video", "--video-idle"], "choose one"),
    ],
)
def test_bad_video_options_are_refused_naming_the_option(
    tmp_path: Path, options: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        configure(_args(tmp_path, *options))


def test_the_command_line_says_what_is_wrong_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(tmp_path, "--video", "--video-size", "big")) == 2
    assert "--video-size 'big': expected WIDTHxHEIGHT" in capsys.readouterr().err
