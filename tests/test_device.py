import pytest
import torch

from ganlib.device import get_device, own_rng, seed_everything


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


def test_own_rng_gives_the_callers_random_numbers_back():
    torch.manual_seed(11)
    state = torch.get_rng_state()
    with own_rng(5):
        inside = torch.randn(3)
    assert torch.equal(torch.get_rng_state(), state)
    after = torch.randn(3)
    torch.manual_seed(11)
    assert torch.equal(after, torch.randn(3))  # the caller's stream goes on as if the block had not run


def test_own_rng_draws_the_same_numbers_for_the_same_seed():
    torch.manual_seed(1)
    with own_rng(5):
        first = torch.randn(3)
    torch.manual_seed(2)  # whatever the caller's state
    with own_rng(5):
        second = torch.randn(3)
    assert torch.equal(first, second)
    assert torch.equal(first, torch.randn(3, generator=torch.Generator().manual_seed(5)))
    with own_rng(6):
        assert not torch.equal(first, torch.randn(3))


def test_own_rng_restores_the_state_when_the_block_raises():
    state = torch.get_rng_state()
    with pytest.raises(KeyError):
        with own_rng(5):
            torch.randn(3)
            raise KeyError("boom")
    assert torch.equal(torch.get_rng_state(), state)


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
    from ganlib.device import autocast, bf16_is_native, cpu_has_native_bf16

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", isa)
    assert cpu_has_native_bf16() is False
    assert bf16_is_native(torch.device("cpu")) is False
    with autocast(torch.device("cpu"), amp=True):
        assert (torch.ones(4, 4) @ torch.ones(4, 4)).dtype == torch.float32


def test_native_bf16_follows_the_cpu_when_the_isa_allows_it(monkeypatch):
    from ganlib.device import cpu_has_native_bf16

    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    native = cpu_has_native_bf16()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX")
    assert cpu_has_native_bf16() is native  # a cap above what the CPU has changes nothing
