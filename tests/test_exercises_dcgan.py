"""ganlib.exercises.dcgan: right answers pass, typical mistakes get their hint, wrong answers never pass."""

import re

import pytest
import torch
from torch import nn

from ganlib.exercises import ExerciseError
from ganlib.exercises.dcgan import check_generator_block, check_slerp, check_style_direction, check_transposed_size
from ganlib.dcgan import ink, style_direction


def test_transposed_size_accepts_the_formula(capsys):
    check_transposed_size(lambda h, k, s, p: (h - 1) * s - 2 * p + k)
    check_transposed_size(lambda h, k, s, p: float(h * s - s - 2 * p + k))  # a whole float is fine
    out = capsys.readouterr().out
    assert out.count("Correct: ") == 2
    assert "1×1 → 4×4 → 7×7 → 14×14 → 28×28" in out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda h, k, s, p: None, "returns None"),
        (lambda h, k, s, p: (h + 2 * p - k) // s + 1, "ordinary"),
        (lambda h, k, s, p: (h - 1) * s + 2 * p + k, "removes"),
        (lambda h, k, s, p: h * s, "PyTorch gives"),
        (lambda h, k, s, p: 1.5 * h, "whole number"),
        (lambda h, k, s: h, "failed with TypeError"),
    ],
)
def test_transposed_size_hints(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_transposed_size(answer)


def slerp_right(z0, z1, t):
    omega = torch.arccos(torch.dot(z0, z1) / (z0.norm() * z1.norm()))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def test_slerp_accepts_the_great_circle(capsys):
    check_slerp(slerp_right)
    out = capsys.readouterr().out
    low, high, dip = map(float, re.search(r"between ([\d.]+) and ([\d.]+), while the straight line dips to ([\d.]+)", out).groups())
    assert 7 < low <= high < 9.5  # two 64-D Gaussian codes: norms near 8, and slerp stays between them
    assert dip < low - 1  # the straight line's midpoint is much shorter


def _unit_slerp(z0, z1, t):
    return slerp_right(z0 / z0.norm(), z1 / z1.norm(), t)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda z0, z1, t: None, "returns None"),
        (lambda z0, z1, t: ((1 - t) * z0 + t * z1).tolist(), "return a tensor"),
        (lambda z0, z1, t: torch.stack([z0, z1]), "shaped like z0"),
        (lambda z0, z1, t: (1 - t) * z0 + t * z1, "straight line"),
        (lambda z0, z1, t: z0 if t < 1 else z1, "should be sin"),
        (lambda z0, z1, t: _unit_slerp(z0, z1, t), "start at z0"),
        (lambda z0, z1, t: slerp_right(z0, z1, 1 - t), "start at z0"),
        (
            lambda z0, z1, t: (torch.sin((1 - t) * torch.arccos(torch.dot(z0, z1))) * z0),
            "nan or inf|start at z0",
        ),
    ],
)
def test_slerp_hints(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_slerp(answer)


@pytest.fixture(scope="module")
def samples():
    from ganlib.checkpoints import pretrained
    from ganlib.metrics.features import classifier_probabilities

    model = pretrained("dcgan-mnist")
    codes = torch.randn(2000, model.latent_dim, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        images = model.decode(codes)
    return codes, images, classifier_probabilities(images).argmax(dim=1)


def my_style_direction(codes, scores, labels, share=0.2):  # the notebook's worked answer
    differences = []
    for digit in labels.unique():
        group_codes, group_scores = codes[labels == digit], scores[labels == digit]
        k = int(share * len(group_scores))
        order = group_scores.argsort()
        differences.append(group_codes[order[-k:]].mean(dim=0) - group_codes[order[:k]].mean(dim=0))
    return torch.stack(differences).mean(dim=0)


def test_style_direction_accepts_the_worked_answer(samples, capsys):
    codes, images, digits = samples
    check_style_direction(my_style_direction, my_style_direction(codes, ink(images), digits))
    out = capsys.readouterr().out
    gain, kept = re.search(r"multiplies the ink by ([\d.]+) and (\d+)%", out).groups()
    assert out.startswith("Correct: your function matches") and float(gain) >= 1.2 and int(kept) >= 65


def weighted_by_count(codes, scores, labels, share=0.2):
    return sum((labels == k).sum() * style_direction(codes[labels == k], scores[labels == k], share=share)
               for k in labels.unique()) / len(labels)


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (lambda c, s, l, share=0.2: -style_direction(c, s, l, share), "wrong way"),
        (lambda c, s, l, share=0.2: style_direction(c, s, share=share), "within each digit"),
        (weighted_by_count, "counting once"),
        (lambda c, s, l, share=0.2: style_direction(c, s, l, 0.2), "share argument"),
        (lambda c, s, l, share=0.2: style_direction(c, s, l, 0.3), "not the style direction yet"),
        (lambda c, s, l, share=0.2: c[:2], "shaped like one code"),
    ],
)
def test_style_direction_hints(samples, function, hint):
    codes, images, digits = samples
    with pytest.raises(ExerciseError, match=hint):
        check_style_direction(function, style_direction(codes, ink(images), labels=digits))


def test_bold_direction_hints(samples):
    codes, images, digits = samples
    right = style_direction(codes, ink(images), labels=digits)
    for bold, hint in (
        (-right, "thinner"),
        (0.1 * right, "factor"),
        (codes[:5], r"shape \(64,\)"),
        (torch.zeros(64), "almost\\) zero"),
        (right.tolist(), "tensor"),
        (style_direction(codes, ink(images)), "within each"),  # bold minus thin across all digits changes too many
    ):
        with pytest.raises(ExerciseError, match=hint):
            check_style_direction(my_style_direction, bold)
    # a direction that changes the digit: from the mean code of the 1s to that of the 0s
    zero_minus_one = codes[digits == 0].mean(0) - codes[digits == 1].mean(0)
    with pytest.raises(ExerciseError, match="same digit|factor|thinner"):
        check_style_direction(my_style_direction, zero_minus_one)


# ---------------------------------------------------------------- a generator block

def block_right(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class BlockModule(nn.Module):
    """The right layers in a module of its own, with a forward that may skip the batch norm."""

    def __init__(self, c_in, c_out, skip_norm=False):
        super().__init__()
        self.up = nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False)
        self.norm = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU(inplace=True)
        self.skip_norm = skip_norm

    def forward(self, x):
        return self.act(self.up(x) if self.skip_norm else self.norm(self.up(x)))


def test_generator_block_accepts_ganlibs_block(capsys):
    state = torch.random.get_rng_state()
    check_generator_block(block_right)
    check_generator_block(BlockModule)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's random numbers are untouched
    out = capsys.readouterr().out
    assert out.count("Correct: ") == 2
    assert "(4, 8, 5, 7) to (4, 4, 10, 14)" in out


def _block(conv=nn.ConvTranspose2d, norm=nn.BatchNorm2d, act=nn.ReLU, k=4, s=2, p=1, bias=False, **options):
    def generator_block(c_in, c_out):
        layers = [conv(c_in, c_out, k, s, p, bias=bias, **options)]
        return nn.Sequential(*layers, *([norm(c_out)] if norm else []), act())
    return generator_block


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda c_in, c_out: None, "returns None"),
        (lambda c_in, c_out: [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1)], "return a module"),
        (lambda c_in: block_right(c_in, c_in), "failed with TypeError"),
        (_block(conv=nn.Conv2d), "nn.Conv2d is an ordinary convolution"),
        (lambda c_in, c_out: nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU()), "needs a transposed convolution"),
        (_block(norm=nn.BatchNorm1d), "BatchNorm1d normalises"),
        (_block(norm=None), "batch normalisation is missing"),
        (_block(act=lambda: nn.LeakyReLU(0.2)), "discriminator's activation"),
        (_block(act=nn.Tanh), "output layer"),
        (_block(act=nn.Sigmoid), "should end with the generator's activation"),
        (lambda c_in, c_out: nn.Sequential(*list(block_right(c_in, c_out))[::-1]), "applies ReLU, BatchNorm2d"),
        (lambda c_in, c_out: nn.Sequential(*block_right(c_in, c_out), nn.Dropout()), "exactly ConvTranspose2d"),
        (lambda c_in, c_out: block_right(c_out, c_in), "from 4 to 8 channels"),
        (_block(k=3), r"into 9×13, not 10×14\. Its output side is H_out = \(H − 1\)·s − 2p \+ k"),
        (_block(s=1), r"into 6×8, not 10×14"),
        (_block(p=0), r"into 12×16, not 10×14"),
        (_block(k=2, p=0), r"kernel_size=\(2, 2\); the block uses 4×4 kernels"),
        (_block(k=3, output_padding=1), r"kernel_size=\(3, 3\)"),
        (_block(groups=2), "you set groups=2"),
        (_block(bias=True), "redundant. Pass bias=False"),
        (lambda c_in, c_out: nn.Sequential(*list(block_right(c_in, c_out))[:1], nn.BatchNorm2d(c_in), nn.ReLU()),
         "expects 8 channels"),
        (lambda c_in, c_out: nn.Sequential(*list(block_right(c_in, c_out))[:1], nn.BatchNorm2d(c_out, eps=1e-3), nn.ReLU()),
         "default settings"),
        (lambda c_in, c_out: BlockModule(c_in, c_out, skip_norm=True), "in training mode"),
    ],
)
def test_generator_block_hints(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_generator_block(answer)
