import pytest
import torch

from ganlib.device import get_device, seed_everything


def test_default_device_on_this_machine(monkeypatch):
    monkeypatch.delenv("GANLIB_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert get_device().type == expected


def test_override_and_bad_override(monkeypatch):
    monkeypatch.setenv("GANLIB_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    monkeypatch.setenv("GANLIB_DEVICE", "tpu")
    with pytest.raises(ValueError, match="not a device"):
        get_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_cuda_without_one_says_so(monkeypatch):
    monkeypatch.setenv("GANLIB_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA"):
        get_device()


def test_seed_everything_repeats_runs():
    seed_everything(7)
    a = torch.randn(3)
    g = seed_everything(7)
    assert torch.equal(a, torch.randn(3))
    assert torch.equal(torch.randn(2, generator=g), torch.randn(2, generator=torch.Generator().manual_seed(7)))
