"""ganlib.mmd and ganlib.metrics.two_sample: kernels, the two estimators, the median heuristic and the permutation test."""

import math

import pytest
import torch
from scipy.spatial.distance import pdist

import ganlib.mmd
from ganlib.metrics.two_sample import mmd_permutation_test, rejection_rate
from ganlib.mmd import gaussian_kernel, inverse_multiquadric_kernel, median_heuristic, mmd2, mmd_witness


def _k(a, b, kernel, widths):
    r2 = float(((a - b) ** 2).sum())
    if kernel == "gaussian":
        return sum(math.exp(-r2 / (2 * h * h)) for h in widths)
    return sum((1 + r2 / (h * h)) ** -0.5 for h in widths)


def _brute_force_mmd2(x, y, kernel, widths, unbiased):
    """The textbook double sums, one pair of points at a time."""
    m, n = len(x), len(y)
    xx = sum(_k(x[i], x[j], kernel, widths) for i in range(m) for j in range(m) if not (unbiased and i == j))
    yy = sum(_k(y[i], y[j], kernel, widths) for i in range(n) for j in range(n) if not (unbiased and i == j))
    xy = sum(_k(x[i], y[j], kernel, widths) for i in range(m) for j in range(n))
    if unbiased:
        return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)
    return xx / m**2 + yy / n**2 - 2 * xy / (m * n)


@pytest.mark.parametrize("kernel", ["gaussian", "imq"])
@pytest.mark.parametrize("estimator", ["unbiased", "biased"])
@pytest.mark.parametrize("widths", [(0.7,), (0.3, 1.0, 4.0)])
def test_estimators_match_a_brute_force_double_loop(kernel, estimator, widths, gen):
    x = torch.randn(13, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(9, 3, generator=gen, dtype=torch.float64) * 1.5 + 0.4
    expected = _brute_force_mmd2(x, y, kernel, widths, estimator == "unbiased")
    for block_size in (4, 1024):  # blocks that do not divide the sizes, and a single block
        got = mmd2(x, y, list(widths), kernel=kernel, estimator=estimator, block_size=block_size)
        assert got.item() == pytest.approx(expected, abs=1e-10)


def test_kernel_matrices_match_their_formulas(gen):
    x, y = torch.randn(5, 2, generator=gen), torch.randn(4, 2, generator=gen)
    sq = torch.cdist(x, y) ** 2
    assert torch.allclose(gaussian_kernel(x, y, 0.5), torch.exp(-sq / 0.5), atol=1e-6)
    assert torch.allclose(inverse_multiquadric_kernel(x, y, 2.0), (1 + sq / 4) ** -0.5, atol=1e-6)
    assert torch.allclose(gaussian_kernel(x, y, [0.5, 2.0]), torch.exp(-sq / 0.5) + torch.exp(-sq / 8), atol=1e-6)
    assert torch.allclose(gaussian_kernel(x, x, [1.0, 2.0, 3.0]).diagonal(), torch.full((5,), 3.0))


def test_unbiased_averages_zero_and_biased_is_positive_on_one_distribution():
    unbiased, biased = [], []
    for seed in range(300):
        g = torch.Generator().manual_seed(seed)
        x, y = torch.randn(20, 2, generator=g), torch.randn(20, 2, generator=g)
        unbiased.append(mmd2(x, y, 1.0).item())
        biased.append(mmd2(x, y, 1.0, estimator="biased").item())
    u, b = torch.tensor(unbiased, dtype=torch.float64), torch.tensor(biased, dtype=torch.float64)
    standard_error = u.std() / math.sqrt(len(u))
    assert abs(u.mean()) < 3 * standard_error, "the U-statistic is unbiased: its average is MMD² = 0"
    assert (u < 0).any(), "with p = q the unbiased estimate is negative about half the time"
    assert (b >= 0).all(), "the V-statistic is a squared norm"
    assert b.mean() > 10 * standard_error, "and it is biased upwards, by about (E k(x,x) - E k(x,x')) (1/m + 1/n)"


def test_mmd_grows_with_the_shift_and_is_symmetric(gen):
    x = torch.randn(200, 2, generator=gen)
    values = [mmd2(x, torch.randn(200, 2, generator=gen) + shift, 1.0).item() for shift in (0.0, 0.5, 1.0, 2.0)]
    assert values == sorted(values) and values[-1] > 0.3
    y = torch.randn(150, 2, generator=gen) + 0.5
    assert mmd2(x, y, 1.0).item() == pytest.approx(mmd2(y, x, 1.0).item(), abs=1e-6)


def test_images_are_compared_as_flat_vectors(gen):
    x, y = torch.rand(6, 1, 28, 28, generator=gen), torch.rand(7, 1, 28, 28, generator=gen)
    assert mmd2(x, y, 5.0).item() == pytest.approx(mmd2(x.flatten(1), y.flatten(1), 5.0).item(), abs=1e-6)


def test_median_heuristic_is_the_median_pairwise_distance(gen):
    x, y = torch.randn(30, 4, generator=gen, dtype=torch.float64), torch.randn(20, 4, generator=gen, dtype=torch.float64)
    expected = float(torch.tensor(pdist(torch.cat([x, y]).numpy())).median())
    assert median_heuristic(x, y) == pytest.approx(expected, rel=1e-9)
    assert mmd2(x, y, "median").item() == pytest.approx(mmd2(x, y, expected).item(), abs=1e-9)
    many = torch.randn(3000, 2, generator=gen) * 3
    assert median_heuristic(many) == pytest.approx(3 * math.sqrt(2) * math.sqrt(2 * math.log(2)), rel=0.05)


def test_witness_is_positive_where_p_has_more_mass(gen):
    x = torch.randn(300, 1, generator=gen) - 2
    y = torch.randn(300, 1, generator=gen) + 2
    witness = mmd_witness(torch.tensor([[-2.0], [0.0], [2.0]]), x, y, 1.0)
    assert witness[0] > 0.3 and witness[2] < -0.3 and abs(witness[1]) < 0.1
    # the biased MMD² is the mean of the witness under p minus its mean under q
    biased = mmd2(x, y, 1.0, estimator="biased")
    assert (mmd_witness(x, x, y, 1.0).mean() - mmd_witness(y, x, y, 1.0).mean()).item() == pytest.approx(biased.item(), abs=1e-5)


def test_permutation_test_statistic_and_p_value_range(gen):
    x, y = torch.randn(40, 2, generator=gen), torch.randn(30, 2, generator=gen) + 1.5
    result = mmd_permutation_test(x, y, bandwidths=1.0, n_permutations=99, generator=gen)
    assert result.statistic == pytest.approx(mmd2(x, y, 1.0).item(), abs=1e-6)
    assert result.p_value == pytest.approx(0.01) and result.rejects(0.05)
    assert result.permuted.shape == (99,) and (result.permuted < result.statistic).all()
    assert result.bandwidths == (1.0,)
    same = mmd_permutation_test(x, torch.randn(30, 2, generator=gen), n_permutations=99, generator=gen)
    assert 0.01 <= same.p_value <= 1 and same.bandwidths[0] == pytest.approx(median_heuristic(x, y), rel=0.5)


def test_permutation_test_false_positive_rate_and_power():
    """Over 300 repetitions, the rejection count at alpha = 0.05 under H0 is Binomial(300, 0.05): mean 15, sd 3.8."""
    g = torch.Generator().manual_seed(0)
    normal = lambda n, generator: torch.randn(n, 2, generator=generator)  # noqa: E731
    shifted = lambda n, generator: torch.randn(n, 2, generator=generator) + torch.tensor([1.5, 0.0])  # noqa: E731
    false_positives = round(300 * rejection_rate(normal, normal, 25, 300, n_permutations=99, generator=g))
    assert 4 <= false_positives <= 27, f"{false_positives} false positives in 300 tests: not about 5%"
    power = rejection_rate(normal, shifted, 25, 50, n_permutations=99, generator=g)
    assert power >= 0.9, f"power {power:.2f} against a shift of 1.5 standard deviations"
    assert rejection_rate(normal, shifted, 25, 50, alpha=0.01, n_permutations=99, generator=g) < power
    with pytest.raises(ValueError, match="repetitions"):
        rejection_rate(normal, normal, 10, 0)


def test_blocks_stay_small_for_large_samples(monkeypatch, gen):
    """Blocked computation: no kernel block is larger than block_size², so memory is bounded whatever N is."""
    shapes = []
    original = ganlib.mmd.squared_distances

    def recording(a, b):
        shapes.append((a.shape[0], b.shape[0]))
        return original(a, b)

    monkeypatch.setattr(ganlib.mmd, "squared_distances", recording)
    x, y = torch.randn(1500, 2, generator=gen), torch.randn(1300, 2, generator=gen)
    blocked = mmd2(x, y, 1.0, block_size=256)
    test = mmd_permutation_test(x, y, 1.0, n_permutations=5, generator=gen, block_size=256)
    assert max(max(s) for s in shapes) <= 256
    assert blocked.item() == pytest.approx(test.statistic, abs=1e-6)
    shapes.clear()
    assert mmd2(x, y, 1.0, block_size=4096).item() == pytest.approx(blocked.item(), abs=1e-6)
    assert shapes == [(1500, 1500), (1300, 1300), (1500, 1300)]


def test_gradients_flow_to_the_samples(gen):
    x = torch.randn(50, 2, generator=gen, requires_grad=True)
    y = torch.randn(50, 2, generator=gen) + 1.0
    mmd2(x, y, [0.5, 1.0, 2.0]).backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # moving the samples against the gradient lowers the MMD
    with torch.no_grad():
        assert mmd2(x - 0.5 * x.grad / x.grad.norm(), y, [0.5, 1.0, 2.0]) < mmd2(x, y, [0.5, 1.0, 2.0])


def test_bad_input_raises_clear_errors():
    x = torch.randn(10, 3)
    with pytest.raises(ValueError, match="3 features against 2"):
        mmd2(x, torch.randn(10, 2), 1.0)
    with pytest.raises(ValueError, match="at least one point"):
        mmd2(x, torch.randn(0, 3), 1.0)
    with pytest.raises(ValueError, match="at least 2 points per side"):
        mmd2(x, torch.randn(1, 3), 1.0)
    assert mmd2(x, torch.randn(1, 3), 1.0, estimator="biased").item() >= 0
    for bad in (0.0, -1.0, [1.0, 0.0], [], float("nan")):
        with pytest.raises(ValueError, match="bandwidth"):
            mmd2(x, x, bad)
    with pytest.raises(ValueError, match="'median'"):
        mmd2(x, x, "mean")
    with pytest.raises(ValueError, match="unknown kernel"):
        mmd2(x, x, 1.0, kernel="laplace")
    with pytest.raises(ValueError, match="unknown estimator"):
        mmd2(x, x, 1.0, estimator="plugin")
    with pytest.raises(ValueError, match="median distance is 0"):
        median_heuristic(torch.zeros(5, 2))
    with pytest.raises(ValueError, match="n_permutations"):
        mmd_permutation_test(x, x, 1.0, n_permutations=0)
    with pytest.raises(ValueError, match="block_size"):
        mmd2(x, x, 1.0, block_size=0)
