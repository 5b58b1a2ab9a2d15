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


@pytest.mark.parametrize("isa", ["AVX2", "avx2", "AVX512_CORE", "SSE41"])
def test_native_bf16_honours_onednn_max_cpu_isa(monkeypatch, isa):
    """oneDNN's documented switch caps its instruction set: below AVX512_CORE_BF16, no native bfloat16,
    so amp=True trains in float32 as on a laptop CPU."""
    from ganlib.device import cpu_has_native_bf16
    from ganlib.train import Precision

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", isa)
    assert cpu_has_native_bf16() is False
    assert Precision(torch.device("cpu"), amp=True).enabled is False


def test_native_bf16_follows_the_cpu_when_the_isa_allows_it(monkeypatch):
    from ganlib.device import cpu_has_native_bf16

    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    native = cpu_has_native_bf16()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX")
    assert cpu_has_native_bf16() is native  # a cap above what the CPU has changes nothing
