import pytest
import torch
from torch import nn

from ganlib import checkpoints
from ganlib.checkpoints import CheckpointError, build_model, load_checkpoint, load_weights, save_checkpoint
from ganlib.models import MODELS


class TinyNet(nn.Module):
    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.layer = nn.Linear(3, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(MODELS, "TinyNet", TinyNet)


def test_round_trip_keeps_weights_config_and_metadata(tmp_path, registered):
    model = TinyNet(width=5)
    path = save_checkpoint(tmp_path / "net.pt", model, {"width": 5}, data="toy", command="python -m ganlib train tiny", metrics={"acc": 0.9})
    payload = load_checkpoint(path)
    assert payload["meta"]["command"] == "python -m ganlib train tiny" and payload["meta"]["metrics"] == {"acc": 0.9}
    rebuilt = build_model(payload)
    x = torch.randn(2, 3)
    assert torch.equal(rebuilt(x), model(x))
    assert not (tmp_path / "net.pt.partial").exists()


def test_corrupt_file_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "broken.pt"
    save_checkpoint(path, TinyNet(), {"width": 4})
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(path)
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="retrain"):
        load_checkpoint(path)


def test_missing_file_and_foreign_payload(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a ganlib checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_other_format_version_is_refused(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "old.pt", TinyNet(), {"width": 4})
    monkeypatch.setattr(checkpoints, "FORMAT", checkpoints.FORMAT + 1)
    with pytest.raises(CheckpointError, match="checkpoint format"):
        load_checkpoint(path)


def test_config_mismatch_names_the_differing_keys(tmp_path):
    path = save_checkpoint(tmp_path / "net.pt", TinyNet(width=4), {"width": 4})
    with pytest.raises(CheckpointError, match="width differ"):
        load_weights(TinyNet(width=6), load_checkpoint(path), config={"width": 6})
    with pytest.raises(CheckpointError, match="do not fit"):
        load_weights(TinyNet(width=6), load_checkpoint(path))


def test_unknown_model_class_and_unknown_pretrained_name(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "net.pt", TinyNet(), {"width": 4})
    with pytest.raises(CheckpointError, match="does not know"):
        build_model(load_checkpoint(path))
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    with pytest.raises(CheckpointError, match="unknown pretrained model 'nope'"):
        checkpoints.pretrained("nope")


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch, registered):
    path = save_checkpoint(tmp_path / "net.pt", TinyNet(), {"width": 4}, data="first")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, TinyNet(), {"width": 4}, data="second")
    monkeypatch.undo()
    assert load_checkpoint(path)["meta"]["data"] == "first"


def test_rebuilding_a_checkpoint_leaves_the_callers_random_numbers_alone():
    """The network's random initial weights are overwritten by the checkpoint's, so building it must not draw
    from the global RNG: a notebook's later random numbers do not depend on which models it loaded."""
    before = torch.get_rng_state()
    model = checkpoints.pretrained("gmmn-ring")
    assert torch.equal(torch.get_rng_state(), before)
    assert sum(p.numel() for p in model.parameters()) > 0
