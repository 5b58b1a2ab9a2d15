"""The command line follows convention: exit status 2 for a usage error (found before any work), 1 for a failure
while working, 130 for Ctrl-C without a traceback; --help shows the defaults and the recipes; --version.

The tests call ``main`` in the test's process (no start-up of a new interpreter) with a fake recipe that trains
nothing, so that a check that failed to stop a command costs no training time.
"""

import tomllib
from pathlib import Path

import pytest
import torch

import ganlib.recipes
import ganlib.recipes.image_folder as image_folder
from ganlib.__main__ import main
from ganlib.recipes.recipe import Recipe

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def trained(monkeypatch, tmp_path) -> list[tuple[Path, float | None]]:
    """A recipe ``fake`` in place of the real ones: each call of its training is recorded, and writes nothing."""
    calls: list[tuple[Path, float | None]] = []

    def train(output: Path, minutes: float | None, device: torch.device) -> Path:
        calls.append((output, minutes))
        return output

    monkeypatch.setattr(ganlib.recipes, "all_recipes", lambda: {"fake": Recipe("fake", "a recipe of the tests", train)})
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path / "data"))
    return calls


def test_help_shows_the_defaults_and_every_recipe(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps the help to the terminal's width: one option a line
    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    assert main(["train", "--help"]) == 0
    train = capsys.readouterr().out
    for name in [*ganlib.recipes.all_recipes(), "dcgan"]:
        assert f"\n  {name} " in top and f"\n  {name} " in train, name
    assert "--steps STEPS" in train and "(default: 5000)" in train and "(default: 64)" in train
    assert main(["sample", "--help"]) == 0
    assert "(default: plain)" in capsys.readouterr().out


def test_version_is_the_one_pyproject_declares(capsys):
    with open(ROOT / "pyproject.toml", "rb") as file:
        version = tomllib.load(file)["project"]["version"]
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"python -m ganlib {version}\n"


def test_a_recipe_trains_with_the_options_it_takes(trained, tmp_path, capsys):
    assert main(["train", "fake"]) == 0
    assert main(["train", "fake", "--minutes", "2", "--output", str(tmp_path / "mine.pt")]) == 0
    assert trained == [(tmp_path / "data" / "checkpoints" / "fake.pt", None), (tmp_path / "mine.pt", 2.0)]
    assert f"saved {tmp_path / 'mine.pt'}" in capsys.readouterr().out


@pytest.mark.parametrize("option", [["--image-size", "32"], ["--steps", "3"], ["--data", "mnist"], ["--resume"], ["--workers", "0"]])
def test_options_of_your_own_images_are_refused_for_a_recipe(trained, option, capsys):
    assert main(["train", "fake", *option]) == 2
    error = capsys.readouterr().err
    assert f"{option[0]}: not options of the recipe 'fake'" in error and trained == []


def test_every_option_the_recipe_does_not_take_is_named(trained, capsys):
    assert main(["train", "fake", "--channels", "1", "--compile", "--batch-size", "8"]) == 2
    assert "--channels, --batch-size, --compile: not options of the recipe 'fake'" in capsys.readouterr().err


def test_minutes_are_refused_for_your_own_images_and_must_be_positive(trained, tmp_path, capsys):
    assert main(["train", "dcgan", "--data", "mnist", "--output", str(tmp_path / "o.pt"), "--minutes", "5"]) == 2
    assert "--minutes is not an option of `train dcgan`" in capsys.readouterr().err
    assert main(["train", "fake", "--minutes", "0"]) == 2
    assert "--minutes must be positive" in capsys.readouterr().err and trained == []


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_fewer_than_one_step_is_a_usage_error(tmp_path, steps, capsys):
    argv = ["train", "dcgan", "--data", "mnist", "--output", str(tmp_path / "o.pt"), "--steps", steps]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert f"the number of steps must be a positive integer, got {steps}" in error and "already done" not in error
    with pytest.raises(ValueError, match="number of steps must be a positive integer"):
        image_folder.train_on_folder("mnist", tmp_path / "o.pt", steps=0)


def _unwritable(kind: str, tmp_path: Path, suffix: str) -> Path:
    """A path no one may write, even root: in /proc, or in a folder whose would-be parent is a file."""
    if kind == "proc":
        return Path("/proc") / f"ganlib-test{suffix}"
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file" / f"run{suffix}"


@pytest.mark.parametrize("kind", ["proc", "under-a-file"])
def test_an_unwritable_output_is_refused_before_anything_is_read_or_trained(trained, tmp_path, kind, capsys):
    """The data folder and the model do not exist: a check made after reading them would name them instead."""
    pt, npy = _unwritable(kind, tmp_path, ".pt"), _unwritable(kind, tmp_path, ".npy")
    commands = {pt: ["train", "dcgan", "--data", str(tmp_path / "no-such-folder"), "--output", str(pt)],
                npy: ["sample", "no-such-model", "-o", str(npy)]}
    for path, argv in [*commands.items(), (pt, ["train", "fake", "--output", str(pt)])]:
        assert main(argv) == 2, argv
        error = capsys.readouterr().err
        assert str(path) in error and "choose another" in error, error
    assert trained == []


@pytest.mark.parametrize("beside", [".png", ".state.pt"])
def test_a_folder_in_the_place_of_the_snapshot_or_the_state_is_refused(tmp_path, beside, capsys):
    (tmp_path / f"run{beside}").mkdir()
    assert main(["train", "dcgan", "--data", str(tmp_path / "no-such-folder"), "--output", str(tmp_path / "run.pt")]) == 2
    assert f"cannot write {tmp_path / f'run{beside}'}: it is a folder" in capsys.readouterr().err


def test_failures_at_work_exit_with_status_1(tmp_path, capsys):
    assert main(["train", "dcgan", "--data", str(tmp_path / "no-such-folder"), "--output", str(tmp_path / "o.pt")]) == 1
    assert "error: no folder at" in capsys.readouterr().err


def test_an_unknown_option_is_a_usage_error(capsys):
    assert main(["sample", "dcgan-mnist", "-o", "x.npy", "--nope"]) == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def status_after_ctrl_c(argv: list[str]) -> int:
    """The exit status of ``main(argv)``, failing the test (not stopping pytest) if Ctrl-C escapes it."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped main: python -m ganlib would end with a traceback")


def test_ctrl_c_exits_with_130_after_saving_the_weights_reached(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(image_folder, "train", interrupted)
    out = tmp_path / "cut.pt"
    argv = ["train", "dcgan", "--data", "mnist", "--image-size", "32", "--channels", "1", "--width", "4",
            "--batch-size", "16", "--steps", "10", "--output", str(out)]
    assert status_after_ctrl_c(argv) == 130
    assert f"the weights are saved in {out}" in capsys.readouterr().out and out.exists()


def test_ctrl_c_in_a_recipe_exits_with_130(trained, monkeypatch):
    def interrupted(output: Path, minutes: float | None, device: torch.device) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(ganlib.recipes, "all_recipes", lambda: {"fake": Recipe("fake", "interrupted", interrupted)})
    assert status_after_ctrl_c(["train", "fake"]) == 130
