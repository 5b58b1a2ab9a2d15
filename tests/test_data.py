import gzip
import math
import struct

import numpy as np
import pytest
import torch

from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import full_mnist_available, load_mnist
from ganlib.data.toy import gaussian_mixture_1d, GaussianMixture, grid, ring, SwissRoll, toy_distribution, TwoMoons


@pytest.mark.parametrize("split, n", [("train", 4500), ("val", 500), ("all", 5000)])
def test_subset_splits_shapes_ranges_and_balance(split, n):
    images, labels = load_mnist(split, source="subset")
    assert images.shape == (n, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert torch.bincount(labels, minlength=10).tolist() == [n // 10] * 10


def test_train_and_val_are_disjoint_and_fixed():
    train, _ = load_mnist("train", source="subset")
    val, _ = load_mnist("val", source="subset")
    train_keys = {row.numpy().tobytes() for row in (train * 255).to(torch.uint8).flatten(1)}
    overlap = sum(row.numpy().tobytes() in train_keys for row in (val * 255).to(torch.uint8).flatten(1))
    assert overlap == 0
    again, _ = load_mnist("val", source="subset")
    assert torch.equal(val, again)


def test_symmetric_scale_maps_to_minus_one_one():
    images, _ = load_mnist("val", source="subset", scale="symmetric")
    assert images.min() == -1.0 and images.max() == 1.0


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"split": "test"}, "unknown split"),
        ({"source": "cifar"}, "unknown MNIST source"),
        ({"scale": "pm1"}, "unknown scale"),
    ],
)
def test_bad_arguments_name_the_choices(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        load_mnist(**kwargs)


def test_full_mnist_missing_offline_says_what_to_do(tmp_path):
    assert not full_mnist_available(tmp_path)
    with pytest.raises(FileNotFoundError, match="download=True") as error:
        load_mnist("train", source="full", root=tmp_path)
    assert "source='subset'" in str(error.value)


def test_missing_subset_says_where_it_belongs(tmp_path):
    with pytest.raises(FileNotFoundError, match="GANLIB_DATA"):
        load_mnist("train", source="subset", root=tmp_path)


def _write_idx(path, array, magic):
    with open(path, "wb") as f:
        f.write(struct.pack(">I", magic))
        for size in array.shape:
            f.write(struct.pack(">I", size))
        f.write(array.astype(np.uint8).tobytes())


def test_full_mnist_files_on_disk_are_read_and_preferred_by_auto(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 30), ("t10k", 12)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), 2051)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10, 2049)
    assert full_mnist_available(tmp_path)
    images, labels = load_mnist("train", source="auto", root=tmp_path)
    assert images.shape == (30, 1, 28, 28) and labels[:3].tolist() == [0, 1, 2]
    val, _ = load_mnist("val", source="full", root=tmp_path)
    everything, _ = load_mnist("all", source="full", root=tmp_path)
    assert val.shape[0] == 12 and everything.shape[0] == 42


def test_toy_defaults_match_the_papers_settings():
    r, g = ring(), grid()
    assert r.n_modes == 8 and torch.allclose(r.means.norm(dim=1), torch.ones(8)) and float(r.stds[0]) == pytest.approx(0.01)
    assert g.n_modes == 25 and float(g.stds[0]) == pytest.approx(0.05)
    assert sorted(set(g.means[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def _integrate_2d(dist, lim, n):
    ticks = torch.linspace(-lim, lim, n, dtype=torch.float64)
    xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")
    density = dist.log_prob(torch.stack([xs.flatten(), ys.flatten()], 1).float()).double().exp().reshape(n, n)
    return torch.trapezoid(torch.trapezoid(density, ticks), ticks).item()


@pytest.mark.parametrize("make, lim, n", [(lambda: ring(std=0.1), 2.0, 801), (ring, 1.2, 2401), (grid, 5.0, 2001)])
def test_toy_log_prob_integrates_to_one(make, lim, n):
    assert _integrate_2d(make(), lim, n) == pytest.approx(1.0, abs=0.01)


def test_1d_mixture_density_integrates_to_one_and_cdf_matches_it():
    mixture = gaussian_mixture_1d()
    x = torch.linspace(-10, 10, 20001, dtype=torch.float64)
    density = mixture.log_prob(x.float()).double().exp()
    assert torch.trapezoid(density, x).item() == pytest.approx(1.0, abs=1e-4)
    partial = torch.trapezoid(density[x <= 0.5], x[x <= 0.5]).item()
    assert mixture.cdf(torch.tensor([0.5])).item() == pytest.approx(partial, abs=1e-3)


def test_mixture_samples_follow_the_weights(gen):
    mixture = GaussianMixture([[-5.0], [5.0]], stds=0.5, weights=[1, 3])
    x = mixture.sample(20000, generator=gen)
    share_right = (x[:, 0] > 0).float().mean().item()
    assert share_right == pytest.approx(0.75, abs=0.015)  # ~5 binomial standard deviations


@pytest.mark.parametrize("dist", [TwoMoons(), SwissRoll(), ring(), grid()])
def test_2d_samples_have_the_right_shape_and_are_reproducible(dist):
    a = dist.sample(500, generator=torch.Generator().manual_seed(3))
    b = dist.sample(500, generator=torch.Generator().manual_seed(3))
    assert a.shape == (500, 2) and torch.equal(a, b)


def test_densities_without_closed_form_say_so():
    with pytest.raises(NotImplementedError, match="through samples"):
        TwoMoons().log_prob(torch.zeros(1, 2))


def test_toy_by_name_and_unknown_name():
    assert toy_distribution("grid").n_modes == 25
    with pytest.raises(ValueError, match="choose one of"):
        toy_distribution("spiral")


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_non_positive_sample_count_is_refused(n):
    with pytest.raises(ValueError, match="positive integer"):
        ring().sample(n)


def test_log_prob_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        ring().log_prob(torch.zeros(5, 3))


def test_batch_iterator_covers_every_row_once_per_epoch():
    x = torch.arange(100).float()
    y = torch.arange(100) * 2
    batches = BatchIterator(x, y, batch_size=10, generator=torch.Generator().manual_seed(0))
    seen = torch.cat([bx for bx, _ in batches])
    assert len(batches) == 10 and sorted(seen.long().tolist()) == list(range(100))
    assert all(torch.equal(by, (bx * 2).long()) for bx, by in batches)  # rows stay paired
    first, second = [torch.cat([bx for bx, _ in batches]) for _ in range(2)]
    assert not torch.equal(first, second)  # reshuffled each epoch


def test_batch_iterator_drop_last_and_errors():
    x = torch.zeros(25, 3)
    assert len(BatchIterator(x, batch_size=10)) == 2
    assert len(BatchIterator(x, batch_size=10, drop_last=False)) == 3
    assert [b[0].shape[0] for b in BatchIterator(x, batch_size=10, drop_last=False, shuffle=False)] == [10, 10, 5]
    with pytest.raises(ValueError, match="same number of rows"):
        BatchIterator(x, torch.zeros(24), batch_size=5)
    with pytest.raises(ValueError, match="larger than"):
        BatchIterator(x, batch_size=30)
