"""Data-parallel training under torchrun (ganlib.recipes.distributed), with two gloo processes on this CPU.

Each test starts real processes (``python -m torch.distributed.run``) through tests/distributed_driver.py, which
trains the image-folder DCGAN (32x32, one channel, width 4, global batch 16) on the MNIST subset.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganlib.checkpoints import build_model, load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "distributed_driver.py"
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]


def run(out: Path, steps: int, *, processes: int, batchnorm: bool = True, fail_at: int | None = None,
        resume: bool = False) -> subprocess.CompletedProcess:
    out.mkdir(parents=True, exist_ok=True)
    launcher = TORCHRUN if processes == 2 else [sys.executable]
    args = [str(out), str(steps), "1" if batchnorm else "0"] + ([str(fail_at)] if fail_at is not None else [])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "GANLIB_DEVICE": "cpu", "RESUME": str(int(resume))}
    env = {k: v for k, v in env.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    return subprocess.run(launcher + [str(DRIVER)] + args, env=env, capture_output=True, text=True, timeout=180)


def weights(path: Path) -> dict[str, torch.Tensor]:
    state = torch.load(path, weights_only=True)
    return {f"{net}.{k}": v for net, tensors in state.items() for k, v in tensors.items()}


def test_two_processes_end_with_identical_weights_and_write_one_usable_checkpoint(tmp_path: Path) -> None:
    result = run(tmp_path, steps=6, processes=2)
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = weights(tmp_path / "weights-0.pt"), weights(tmp_path / "weights-1.pt")
    start = weights_at_start()
    assert any(not torch.equal(first[k], start[k]) for k in start), "the weights did not train"
    buffers = ("running_mean", "running_var", "num_batches_tracked")  # each process's own until DDP copies process 0's
    parameters = [name for name in first if not name.endswith(buffers)]
    assert len(parameters) == 21  # 4 + 3 convolutions, 4 + 2 batch norms (weight and bias)
    for name in parameters:  # bit for bit
        assert torch.equal(first[name], second[name]), name
    # process 0 wrote the checkpoint; it loads and samples like one of a single process
    checkpoint = load_checkpoint(tmp_path / "run.pt")
    assert checkpoint["steps"] == 6
    generator = build_model(checkpoint)
    for name, tensor in generator.state_dict().items():  # no wrapper prefix: the network of one process
        assert torch.equal(tensor, first[f"generator.{name}"]), name
    from ganlib.__main__ import main

    assert main(["sample", str(tmp_path / "run.pt"), "-n", "5", "-o", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (5, 32, 32) and samples.min() >= 0 and samples.max() <= 1
    # --resume under torchrun: every process loads the state process 0 wrote, and they stay identical
    result = run(tmp_path, steps=9, processes=2, resume=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert load_checkpoint(tmp_path / "run.pt")["steps"] == 9
    assert [(tmp_path / f"steps-{rank}.txt").read_text() for rank in (0, 1)] == ["3", "3"], "both went on from step 6"
    first, second = weights(tmp_path / "weights-0.pt"), weights(tmp_path / "weights-1.pt")
    assert all(torch.equal(first[name], second[name]) for name in parameters)


def weights_at_start(batchnorm: bool = True) -> dict[str, torch.Tensor]:
    """The initial weights of the driver's networks (seed 0), built as train_on_folder builds them."""
    from ganlib.device import own_rng
    from ganlib.models.image_dcgan import ImageDCGANDiscriminator, ImageDCGANGenerator

    with own_rng(0, torch.device("cpu")):
        g = ImageDCGANGenerator(latent_dim=16, width=4, image_size=32, channels=1, batchnorm=batchnorm)
        d = ImageDCGANDiscriminator(width=4, image_size=32, channels=1, batchnorm=batchnorm)
    return {f"{net}.{k}": v for net, m in (("generator", g), ("discriminator", d)) for k, v in m.state_dict().items()}


def test_two_processes_on_a_global_batch_match_one_process_on_it_without_batch_norm(tmp_path: Path) -> None:
    two, one = run(tmp_path / "two", steps=5, processes=2, batchnorm=False), run(tmp_path / "one", steps=5, processes=1, batchnorm=False)
    assert two.returncode == 0 and one.returncode == 0, two.stderr[-3000:] + one.stderr[-3000:]
    parallel, single = weights(tmp_path / "two" / "weights-0.pt"), weights(tmp_path / "one" / "weights-0.pt")
    start = weights_at_start(batchnorm=False)
    moved = torch.cat([(single[k] - start[k]).abs().flatten() for k in single])
    gap = torch.cat([(parallel[k] - single[k]).abs().flatten() for k in single])
    assert moved.median() > 1e-4, "the weights did not train"
    # Float tolerance: the two runs sum the batch in another order. Adam divides each gradient by its own size,
    # so an element whose gradient is ~0 may flip sign on rounding and move by up to the learning rate: allow
    # that for one weight in a thousand, while a wrong split of the batch or the noise moves most of them.
    assert (gap > 1e-5).float().mean() < 1e-3, f"{int((gap > 1e-5).sum())} of {gap.numel()} weights differ by more than 1e-5"
    assert gap.median() < 1e-6


@pytest.mark.parametrize("fail_at", [3])
def test_a_failing_process_takes_the_run_down_with_its_message(tmp_path: Path, fail_at: int) -> None:
    result = run(tmp_path, steps=200, processes=2, fail_at=fail_at)  # process 0 would wait for process 1 forever
    assert result.returncode != 0
    assert f"error: process 1 of 2: an error made on purpose in step {fail_at}" in result.stderr
    assert not (tmp_path / "weights-0.pt").exists(), "process 0 went on training alone"


def test_each_process_takes_its_rows_of_the_global_batch() -> None:
    from ganlib.data.batches import BatchIterator

    rows = torch.arange(40)
    whole = list(BatchIterator(rows, batch_size=8, generator=torch.Generator().manual_seed(1)))
    shares = [list(BatchIterator(rows, batch_size=8, generator=torch.Generator().manual_seed(1), replica=r, replicas=2))
              for r in range(2)]
    assert len(whole) == len(shares[0]) == len(shares[1]) == 5
    for (batch,), (first,), (second,) in zip(whole, *shares):
        assert first.shape == second.shape == (4,) and torch.equal(torch.cat([first, second]), batch)
    with pytest.raises(ValueError, match="multiple of 3"):
        BatchIterator(rows, batch_size=8, replica=0, replicas=3)


def test_the_processes_draw_the_noise_of_one_process_and_one_process_draws_it_as_before() -> None:
    """GAN.step draws the whole global batch's noise from the shared random stream and keeps its share."""
    from ganlib.gan import GAN
    from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator

    def noise(replica: int, replicas: int) -> torch.Tensor:
        generator = MLPGenerator(latent_dim=3, data_dim=2)
        gan = GAN.build(generator, MLPDiscriminator(data_dim=2), replica=replica, replicas=replicas)
        seen: list[torch.Tensor] = []
        generator.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].clone()))
        torch.manual_seed(1)
        gan.step((torch.zeros(4 // replicas, 2),))  # the global batch is 4 rows
        return seen[0]

    torch.manual_seed(1)
    before = torch.randn(4, 3)  # what one process drew before processes had shares
    assert torch.equal(noise(0, 1), before)
    assert torch.equal(torch.cat([noise(0, 2), noise(1, 2)]), noise(0, 1))
    with pytest.raises(ValueError, match="replica must be in"):
        GAN.build(MLPGenerator(latent_dim=3, data_dim=2), MLPDiscriminator(data_dim=2), replica=2, replicas=2)
