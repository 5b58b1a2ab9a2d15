r"""Self-checks for notebook 06, *DCGAN*.

* :func:`check_transposed_size`: the output size of a transposed convolution,
  :math:`(h - 1)\,s - 2p + k`, checked against PyTorch's ``ConvTranspose2d``;
* :func:`check_generator_block`: an upsampling block of the DCGAN generator (transposed convolution, batch
  normalisation, ReLU), checked against the generator's own block;
* :func:`check_slerp`: spherical interpolation between two latent codes;
* :func:`check_style_direction`: the learner's own style direction (the mean code of the highest-scoring
  share minus that of the lowest, within each digit, averaged over the digits), and with it a latent
  direction that thickens the strokes of the pretrained DCGAN's digits without changing which digit they are.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from functools import cache

import torch
from torch import nn

from ganlib.checkpoints import pretrained
from ganlib.dcgan import ink, slerp, style_direction
from ganlib.device import own_rng
from ganlib.exercises import call_learner, passed, require
from ganlib.models.dcgan import DCGANGenerator
from ganlib.models.generator import Generator

# ---------------------------------------------------------------- transposed convolution sizes

_SIZE_CASES = [(1, 4, 1, 0), (4, 3, 2, 1), (7, 4, 2, 1), (14, 4, 2, 1), (5, 3, 1, 1), (4, 5, 3, 2), (10, 3, 2, 0), (3, 2, 2, 0), (6, 6, 4, 1)]


def _torch_size(size: int, kernel: int, stride: int, padding: int) -> int:
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding)
    with torch.no_grad():
        return layer(torch.zeros(1, 1, size, size)).shape[-1]


def check_transposed_size(output_size: Callable[[int, int, int, int], int]) -> None:
    r"""``output_size(h, kernel, stride, padding)`` must give the height of ``ConvTranspose2d``'s output for an
    ``h × h`` input (no output padding, no dilation), for every case in ``_SIZE_CASES``."""
    for size, kernel, stride, padding in _SIZE_CASES:
        answer = call_learner(
            output_size, size, kernel, stride, padding,
            context=f"your function with h={size}, kernel={kernel}, stride={stride}, padding={padding}",
        )
        require(answer is not None, "your function returns None: end it with `return` and the output size.")
        require(
            isinstance(answer, int) or (isinstance(answer, float) and answer.is_integer()),
            f"return a whole number of pixels, got {answer!r} ({type(answer).__name__}).",
        )
        expected = _torch_size(size, kernel, stride, padding)
        if int(answer) == expected:
            continue
        downsampled = (size + 2 * padding - kernel) // stride + 1
        require(
            int(answer) != downsampled,
            f"for h={size}, kernel={kernel}, stride={stride}, padding={padding} you give {answer}, the size of an "
            "ordinary (strided) convolution. A transposed convolution runs that map backwards: solve "
            "h = (h_out + 2p - k) / s + 1 for h_out.",
        )
        require(
            int(answer) != (size - 1) * stride + 2 * padding + kernel,
            f"for h={size}, kernel={kernel}, stride={stride}, padding={padding} you give {answer}: padding a transposed "
            "convolution *removes* p pixels on each side of its output.",
        )
        require(
            False,
            f"for h={size}, kernel={kernel}, stride={stride}, padding={padding} PyTorch gives {expected}, you give "
            f"{answer}. Each of the h input pixels moves s output pixels along and paints a k-wide patch.",
        )
    chain = [1]
    with own_rng(0):  # the caller's random numbers stay as they were
        layers = DCGANGenerator().net
    for layer in layers:
        if isinstance(layer, nn.ConvTranspose2d):
            chain.append(int(output_size(chain[-1], layer.kernel_size[0], layer.stride[0], layer.padding[0])))
    passed(
        f"your formula agrees with PyTorch in all {len(_SIZE_CASES)} cases; the DCGAN generator's layers "
        f"take a 1×1 code through {' → '.join(f'{h}×{h}' for h in chain)}."
    )


# ---------------------------------------------------------------- a generator block

_BLOCK_WIDTH = 2  # ganlib's 7 -> 14 block at this width maps 4w = 8 channels to 2w = 4


def _ganlib_block() -> nn.Sequential:
    """The generator's block from 7×7 to 14×14 (``net[6:9]``): transposed convolution, batch norm, ReLU."""
    with own_rng(0):
        return DCGANGenerator(width=_BLOCK_WIDTH).net[6:9]


def _leaves(module: nn.Module) -> list[nn.Module]:
    """The layers of ``module`` (its modules without sub-modules), in the order they were registered."""
    return [m for m in module.modules() if not list(m.children())]


def _check_layer_types(layers: list[nn.Module]) -> None:
    kinds = [type(layer) for layer in layers]
    require(nn.Conv2d not in kinds, "nn.Conv2d is an ordinary convolution: with stride 2 it halves the size. "
            "Upsample with its transpose, nn.ConvTranspose2d.")
    require(nn.ConvTranspose2d in kinds, "the block needs a transposed convolution, nn.ConvTranspose2d, to upsample.")
    require(nn.BatchNorm1d not in kinds, "nn.BatchNorm1d normalises (N, C) or (N, C, L) inputs; for a batch of "
            "feature maps (N, C, H, W) use nn.BatchNorm2d.")
    require(nn.LeakyReLU not in kinds, "LeakyReLU(0.2) is the discriminator's activation; the generator's "
            "hidden layers use ReLU.")
    require(nn.Tanh not in kinds, "tanh belongs only to the generator's output layer, which maps to [-1, 1]; "
            "hidden blocks use ReLU.")
    require(nn.BatchNorm2d in kinds, "batch normalisation is missing: DCGAN normalises every hidden layer of "
            "the generator (nn.BatchNorm2d after the convolution).")
    require(nn.ReLU in kinds, "the block should end with the generator's activation, nn.ReLU.")
    names = ", ".join(kind.__name__ for kind in kinds)
    require(kinds == [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU],
            f"your block applies {names}: it should be exactly ConvTranspose2d, then BatchNorm2d, then ReLU.")


def _check_convolution(conv: nn.ConvTranspose2d, ours: nn.ConvTranspose2d, c_in: int, c_out: int) -> None:
    require((conv.in_channels, conv.out_channels) == (c_in, c_out),
            f"generator_block({c_in}, {c_out}) gives a transposed convolution from {conv.in_channels} to "
            f"{conv.out_channels} channels; it should go from in_channels to out_channels.")
    h, w = 5, 7
    sides = [(n - 1) * conv.stride[i] - 2 * conv.padding[i] + conv.dilation[i] * (conv.kernel_size[i] - 1)
             + conv.output_padding[i] + 1 for i, n in enumerate((h, w))]
    require(sides == [2 * h, 2 * w],
            f"your transposed convolution (kernel {conv.kernel_size}, stride {conv.stride}, padding "
            f"{conv.padding}) turns a {h}×{w} map into {sides[0]}×{sides[1]}, not {2 * h}×{2 * w}. Its output "
            "side is H_out = (H − 1)·s − 2p + k (Exercise 1): with k = 4, pick s and p so that this is 2H for "
            "every H.")
    require(conv.kernel_size == ours.kernel_size,
            f"your layer doubles the size with kernel_size={conv.kernel_size}; the block uses 4×4 kernels (k = 4): with "
            "stride 2 every output pixel then mixes 2×2 input pixels, so the image is neither blocky nor checkered.")
    settings = ("stride", "padding", "output_padding", "dilation", "groups")
    different = [f"{name}={getattr(conv, name)}" for name in settings if getattr(conv, name) != getattr(ours, name)]
    require(not different, f"with a 4×4 kernel keep the other settings plain; you set {', '.join(different)}.")
    require(conv.bias is None, "the convolution carries a bias, but the batch normalisation right after it "
            "subtracts each channel's mean, bias included: it is redundant. Pass bias=False.")


@torch.no_grad()
def check_generator_block(generator_block: Callable[[int, int], nn.Module]) -> None:
    r"""``generator_block(c_in, c_out)`` must return ``ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False)``,
    ``BatchNorm2d(c_out)`` and ``ReLU``, which maps ``(N, c_in, H, W)`` to ``(N, c_out, 2H, 2W)``, since
    :math:`H_\text{out} = (H - 1)\,s - 2p + k = 2H` with :math:`s = 2`, :math:`k - 2p = 2`. With the weights of
    the generator's 7 → 14 block copied in, its float64 output must equal that block's to 1e-10, in training
    mode (batch statistics) and then in evaluation mode (the running statistics both have gathered)."""
    ours = _ganlib_block().double()
    c_in, c_out = ours[0].in_channels, ours[0].out_channels
    with own_rng(0):  # the learner's layers draw their initial weights; the caller's stream stays as it was
        block = call_learner(generator_block, c_in, c_out, context=f"generator_block({c_in}, {c_out})")
    require(block is not None, "your function returns None: end it with `return` and the block.")
    require(isinstance(block, nn.Module), f"return a module (e.g. an nn.Sequential of the layers), not a "
            f"{type(block).__name__}.")
    layers = _leaves(block)
    _check_layer_types(layers)
    conv, norm, _ = layers
    _check_convolution(conv, ours[0], c_in, c_out)
    require(norm.num_features == c_out,
            f"your BatchNorm2d expects {norm.num_features} channels; it normalises the {c_out} output channels.")
    norm_settings = ("eps", "momentum", "affine", "track_running_stats")
    require(all(getattr(norm, name) == getattr(ours[1], name) for name in norm_settings),
            "keep nn.BatchNorm2d's default settings (eps, momentum, affine, track_running_stats), as ganlib does.")

    block = copy.deepcopy(block).double()
    for mine, theirs in zip(_leaves(block), ours):
        mine.load_state_dict(theirs.state_dict())
    x = torch.randn(4, c_in, 5, 7, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for mode in ("training", "evaluation"):
        block.train(mode == "training")
        ours.train(mode == "training")
        out = call_learner(block, x, context=f"your block on a batch of shape {tuple(x.shape)}")
        require(isinstance(out, torch.Tensor) and out.shape == (4, c_out, 10, 14),
                f"your block should map {tuple(x.shape)} to (4, {c_out}, 10, 14), got "
                f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}.")
        require(torch.allclose(out, ours(x), rtol=0, atol=1e-10),
                f"with ganlib's weights your block computes something else in {mode} mode: apply the three "
                "layers once each, in order, to the input.")
    passed(
        f"your block takes {tuple(x.shape)} to {tuple(out.shape)} and, with ganlib's weights, matches the "
        "generator's 7 → 14 block to 1e-10 in training and in evaluation mode. At width 32 that block has "
        "128·64·4·4 = 131,072 weights and 128 batch-norm parameters; a bias would add 64 that batch norm cancels."
    )


# ---------------------------------------------------------------- spherical interpolation

def check_slerp(slerp_fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> None:
    r"""``slerp_fn(z0, z1, t)`` must return
    :math:`\frac{\sin((1 - t)\omega)}{\sin \omega} z_0 + \frac{\sin(t\omega)}{\sin \omega} z_1`, where
    :math:`\cos \omega = \frac{z_0 \cdot z_1}{\lVert z_0 \rVert \lVert z_1 \rVert}`, for 1-D codes and a number ``t``."""
    generator = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(2, 64, generator=generator, dtype=torch.float64)
    ts = (0.0, 0.25, 0.5, 0.8, 1.0)
    answers = []
    for t in ts:
        answer = call_learner(slerp_fn, z0.clone(), z1.clone(), t, context=f"your function with two codes of shape (64,) and t={t}")
        require(answer is not None, "your function returns None: end it with `return` and the interpolated code.")
        require(isinstance(answer, torch.Tensor), f"return a tensor, not a {type(answer).__name__}.")
        require(answer.shape == z0.shape, f"return one code shaped like z0, {tuple(z0.shape)}; got {tuple(answer.shape)}.")
        require(bool(torch.isfinite(answer).all()), f"your code at t={t} holds nan or inf values.")
        answers.append(answer.detach().double())
    require(
        torch.allclose(answers[0], z0, atol=1e-6) and torch.allclose(answers[-1], z1, atol=1e-6),
        "the path must start at z0 (t = 0) and end at z1 (t = 1).",
    )
    middle = answers[2]
    expected = [slerp(z0, z1, t) for t in ts]
    if not all(torch.allclose(a, e, atol=1e-6) for a, e in zip(answers, expected)):
        require(
            not torch.allclose(middle, (z0 + z1) / 2, atol=1e-6),
            f"that is the straight line (1 - t) z0 + t z1: its midpoint has norm {float(middle.norm()):.2f}, while "
            f"z0 and z1 have {float(z0.norm()):.2f} and {float(z1.norm()):.2f}. Follow the great circle instead.",
        )
        cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
        require(
            not torch.allclose(middle, slerp(z0 / z0.norm(), z1 / z1.norm(), 0.5), atol=1e-6),
            "you interpolate the unit vectors z/‖z‖, so the path loses the codes' lengths: apply the sine "
            "weights to z0 and z1 themselves.",
        )
        require(
            False,
            f"at t = 0.5 the code should be sin(ω/2)/sin ω · (z0 + z1), with ω = arccos(z0·z1 / (‖z0‖‖z1‖)) "
            f"≈ {math.degrees(float(torch.arccos(cos))):.0f}° here. Check the angle (divide the dot product by "
            "both norms) and the weights sin((1 - t)ω)/sin ω and sin(tω)/sin ω.",
        )
    norms = torch.stack([slerp(z0, z1, float(t)).norm() for t in torch.linspace(0, 1, 11)])
    lerp_middle = ((z0 + z1) / 2).norm()
    passed(
        f"along your path the norm stays between {float(norms.min()):.2f} and {float(norms.max()):.2f}, while "
        f"the straight line dips to {float(lerp_middle):.2f} at t = 0.5; codes drawn from N(0, I) in 64 "
        f"dimensions have norms near √64 = 8."
    )


# ---------------------------------------------------------------- a style direction

BOLD_STRENGTH = 0.5
INK_GAIN = 1.2
SAME_DIGIT = 0.65


@cache
def _dcgan() -> Generator:
    return pretrained("dcgan-mnist")


@torch.no_grad()
def _check_bold_direction(direction: torch.Tensor) -> str:
    r"""Adding ``0.5 · direction`` to 500 fresh codes of the pretrained ``dcgan-mnist`` must raise the mean
    ink (:func:`ganlib.dcgan.ink`) by at least 20 %, while the evaluation classifier still
    reads the same digit in at least 65 % of the images (a direction taken across all digits keeps fewer)."""
    from ganlib.metrics.features import classifier_probabilities

    model = _dcgan()
    require(isinstance(direction, torch.Tensor), f"bold should be a tensor, not a {type(direction).__name__}.")
    require(
        direction.shape == (model.latent_dim,),
        f"bold should be one latent vector of shape ({model.latent_dim},), got {tuple(direction.shape)}: "
        "average over the codes (dim=0).",
    )
    direction = direction.detach().float().cpu()
    require(bool(torch.isfinite(direction).all()), "bold holds nan or inf values.")
    require(float(direction.norm()) > 1e-3, "bold is (almost) zero: subtract the mean code of the thin digits from that of the bold ones.")
    codes = torch.randn(500, model.latent_dim, generator=torch.Generator().manual_seed(2024))
    before, after = model.decode(codes), model.decode(codes + BOLD_STRENGTH * direction)
    gain = float(ink(after).mean() / ink(before).mean())
    require(
        gain > 1 / INK_GAIN,
        f"adding bold makes the digits *thinner* (ink × {gain:.2f}): the direction should point from "
        "the thin digits to the bold ones (bold minus thin).",
    )
    require(
        gain >= INK_GAIN,
        f"adding {BOLD_STRENGTH:g} × bold changes the ink only by a factor {gain:.2f} (at least "
        f"{INK_GAIN} needed): compare the boldest and the thinnest fifth of the samples, using their ink as the score.",
    )
    same = float((classifier_probabilities(before).argmax(1) == classifier_probabilities(after).argmax(1)).double().mean())
    require(
        same >= SAME_DIGIT,
        f"the digits get bolder (ink × {gain:.2f}), but only {same:.0%} of them stay the same digit: ink also "
        "depends on the digit (an 8 holds more than a 1), so compare bold and thin samples within each "
        "digit (pass the digits as labels).",
    )
    return f"adding {BOLD_STRENGTH:g} × bold multiplies the ink by {gain:.2f} and {same:.0%} of the 500 digits keep their class."


def _style_cases() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Made-up codes ``(300, 8)``, scores and labels in five groups of different sizes (40 to 80)."""
    generator = torch.Generator().manual_seed(3)
    codes = torch.randn(300, 8, generator=generator)
    scores = torch.randn(300, generator=generator) + codes[:, 0]  # the score grows along the first axis
    labels = torch.repeat_interleave(torch.arange(5), torch.tensor([40, 50, 60, 70, 80]))
    labels = labels[torch.randperm(300, generator=generator)]
    return codes, scores, labels


def _check_style_function(my_style_direction: Callable[..., torch.Tensor]) -> None:
    codes, scores, labels = _style_cases()
    answer = call_learner(my_style_direction, codes.clone(), scores.clone(), labels.clone(), 0.2,
                          context="my_style_direction(codes, scores, labels, 0.2)")
    require(isinstance(answer, torch.Tensor) and answer.shape == (8,),
            "my_style_direction should return one direction, a tensor shaped like one code: (d,).")
    expected = style_direction(codes, scores, labels, share=0.2)
    if torch.allclose(answer, expected, atol=1e-5):
        other = call_learner(my_style_direction, codes.clone(), scores.clone(), labels.clone(), 0.4,
                             context="my_style_direction(codes, scores, labels, 0.4)")
        require(isinstance(other, torch.Tensor) and torch.allclose(other, style_direction(codes, scores, labels, share=0.4), atol=1e-5),
                "right for share=0.2, but not for share=0.4: use the share argument, int(share · n) codes per end.")
        return
    require(not torch.allclose(answer, -expected, atol=1e-5), "the direction points the wrong way: take the mean "
            "code of the highest scores *minus* that of the lowest.")
    require(not torch.allclose(answer, style_direction(codes, scores, share=0.2), atol=1e-5), "that is the difference "
            "over all the codes at once: take it within each digit (each value of labels), then average.")
    pooled = sum((labels == k).sum() * style_direction(codes[labels == k], scores[labels == k]) for k in range(5)) / 300
    require(not torch.allclose(answer, pooled, atol=1e-5), "each digit's difference is right, but the average weights "
            "the digits by their counts: average the differences with every digit counting once.")
    require(False, "not the style direction yet. For each digit: sort its codes by score, take int(share · n) codes at "
            "each end, subtract the mean of the lowest from the mean of the highest; then average over the digits.")


def check_style_direction(my_style_direction: Callable[..., torch.Tensor], bold: torch.Tensor) -> None:
    r"""``my_style_direction(codes, scores, labels, share)`` must match :func:`ganlib.dcgan.style_direction` with
    labels (checked on made-up codes in five groups of different sizes, for two shares), and ``bold``, a direction
    found with it, must raise the ink of 500 fresh ``dcgan-mnist`` digits by at least 20 % at strength 0.5 while
    the evaluation classifier reads the same digit in at least 65 % of them."""
    _check_style_function(my_style_direction)
    passed("your function matches ganlib's style_direction; " + _check_bold_direction(bold))
