r"""f-divergences, the variational lower bound that estimates them from samples, and the f-GAN that trains it.

An **f-divergence** compares two densities point by point through their ratio :math:`r(x) = p(x)/q(x)`:

.. math:: D_f(p \,\|\, q) = \mathbb E_{x \sim q}\big[f\big(r(x)\big)\big], \qquad f \text{ convex}, \ f(1) = 0 .

By Jensen's inequality :math:`D_f \ge f(\mathbb E_q r) = f(1) = 0`. The table of :data:`F_DIVERGENCES`
(its ``gan`` row has :math:`f(1) = -\ln 4` instead, which shifts its divergence by that constant):

================  =============================  ======================  ========================  ====================
name              :math:`f(u)`                   :math:`f^*(t)`           activation :math:`g(v)`    :math:`T^* = f'(r)`
================  =============================  ======================  ========================  ====================
``kl``            :math:`u \log u`               :math:`e^{t - 1}`       :math:`v`                 :math:`1 + \log r`
``reverse-kl``    :math:`-\log u`                :math:`-1 - \log(-t)`   :math:`-e^{-v}`           :math:`-1/r`
``gan``           :math:`u\log u - (u+1)\log(u+1)`  :math:`-\log(1 - e^t)`  :math:`\log \sigma(v)`  :math:`\log \frac{r}{1 + r}`
``pearson``       :math:`(u - 1)^2`              :math:`t + t^2/4`       :math:`v`                 :math:`2(r - 1)`
================  =============================  ======================  ========================  ====================

``gan``'s divergence is :math:`2\,\mathrm{JS}(p, q) - \ln 4`, between :math:`-\ln 4` and 0: the Jensen–Shannon
divergence, shifted and doubled.

**The variational bound** (Nguyen, Wainwright and Jordan, 2010). A convex :math:`f` is the upper envelope of
its tangents, :math:`f(u) = \sup_t\, t u - f^*(t)`, with the convex conjugate
:math:`f^*(t) = \sup_u\, u t - f(u)`. Choosing a :math:`t = T(x)` at every :math:`x`, instead of the best one,
can only lose:

.. math:: D_f(p \,\|\, q) = \int q(x) \sup_t \big[t\, r(x) - f^*(t)\big] dx
          \ \ge\ \sup_T\ \mathbb E_{x \sim p}[T(x)] - \mathbb E_{x \sim q}[f^*(T(x))],

with equality at :math:`T^*(x) = f'(r(x))`. A network :math:`V` (the critic, real-valued) followed by the
activation :math:`g` keeps :math:`T = g(V)` inside the domain of :math:`f^*`. For ``gan``, with
:math:`D = \sigma(V)`, the bound is :math:`\mathbb E_p[\log D] + \mathbb E_q[\log(1 - D)]`: the objective
of the original GAN is the variational bound of :math:`2\,\mathrm{JS} - \ln 4`.

**The f-GAN** (Nowozin, Cseke and Tomioka, 2016) plays :math:`\min_G \max_V` of the bound with
:math:`q = p_G`: :class:`FGAN`, with any bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.device import own_rng
from ganlib.gan import GAN
from ganlib.models.generator import Generator
from ganlib.models.mlp_gan import MLPDiscriminator
from ganlib.train import Batch

Function = Callable[[torch.Tensor], torch.Tensor]
Bound = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class FDivergence:
    """One row of the table: the generator ``f`` of a divergence, its convex conjugate ``conjugate`` (f*),
    the critic's output ``activation`` g, and the best critic ``optimal_critic`` T* = f'(r) as a function of
    the density ratio r = p/q."""

    name: str
    f: Function
    conjugate: Function
    activation: Function
    optimal_critic: Function


F_DIVERGENCES: dict[str, FDivergence] = {
    divergence.name: divergence
    for divergence in (
        FDivergence("kl", lambda u: u * torch.log(u), lambda t: torch.exp(t - 1), lambda v: v,
                    lambda r: 1 + torch.log(r)),
        FDivergence("reverse-kl", lambda u: -torch.log(u), lambda t: -1 - torch.log(-t), lambda v: -torch.exp(-v),
                    lambda r: -1 / r),
        FDivergence("gan", lambda u: u * torch.log(u) - (u + 1) * torch.log(u + 1), lambda t: -torch.log(-torch.expm1(t)),
                    lambda v: -F.softplus(-v), lambda r: torch.log(r / (1 + r))),
        FDivergence("pearson", lambda u: (u - 1) ** 2, lambda t: t + t**2 / 4, lambda v: v, lambda r: 2 * (r - 1)),
    )
}


def f_divergence(name: str) -> FDivergence:
    """The row ``name`` of :data:`F_DIVERGENCES`, with an error that lists the rows for an unknown name."""
    if name not in F_DIVERGENCES:
        raise ValueError(f"unknown f-divergence {name!r}; choose one of {', '.join(F_DIVERGENCES)}.")
    return F_DIVERGENCES[name]


def variational_bound(divergence: FDivergence | str, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r""":math:`\mathbb E_p[g(V(x))] - \mathbb E_q[f^*(g(V(\tilde x)))]`, from the critic's raw scores
    :math:`V` on samples of :math:`p` (``real_scores``) and of :math:`q` (``fake_scores``): a lower bound on
    :math:`D_f(p \| q)` for any critic, tight for the best one."""
    divergence = f_divergence(divergence) if isinstance(divergence, str) else divergence
    return divergence.activation(real_scores).mean() - divergence.conjugate(divergence.activation(fake_scores)).mean()


@dataclass(kw_only=True)
class FGAN(GAN):
    r"""The f-GAN game, :math:`\min_G \max_V` of a variational ``bound`` on :math:`D_f(p_\text{data} \| p_G)`.

    ``bound(real_scores, fake_scores)`` takes the critic's raw scores :math:`V` on a real and a fake batch (e.g.
    ``functools.partial(variational_bound, "reverse-kl")``). The critic raises it; the generator lowers it, and
    since only the fake term depends on :math:`G`, that moves the fakes towards a smaller :math:`\mathbb E[f^*(g(V))]`.
    With the ``gan`` row this is the minimax GAN; :class:`~ganlib.gan.GAN` has the non-saturating variant.

    Build one with ``FGAN.build(G, V, bound=..., lr=...)`` (the options of :meth:`GAN.build`).
    """

    bound: Bound

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One round: (1) a critic update that raises the bound; (2) a generator update that lowers it.

        Logs ``bound``, the critic's estimate of the divergence on this batch, and the generator's ``g_loss``.
        """
        G, V = self.generator, self.discriminator
        real = batch[0]
        fake = G(self.noise(real.shape[0], real.device))

        # (1) The critic step: raise the bound, on fakes detached from G.
        bound = self.bound(V(real), V(fake.detach()))
        self.d_optimizer.zero_grad(set_to_none=True)
        (-bound).backward()
        self.d_optimizer.step()

        # (2) The generator step: lower the same bound, through a frozen critic.
        V.requires_grad_(False)
        g_loss = self.bound(V(real), V(fake))
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        V.requires_grad_(True)
        self.step_schedules()
        return {"bound": bound.detach(), "g_loss": g_loss.detach()}

    @classmethod
    def build(cls, generator: Generator, discriminator: nn.Module, **options: Any) -> FGAN:  # type: ignore[override]
        """:meth:`GAN.build` with the f-GAN's ``bound`` among the options."""
        if not callable(options.get("bound")):
            raise TypeError("FGAN.build needs bound=<a function of (real_scores, fake_scores)>, "
                            "e.g. functools.partial(variational_bound, 'reverse-kl').")
        return super().build(generator, discriminator, **options)  # type: ignore[return-value]


Sampler = Callable[[int, torch.Generator], torch.Tensor]


def estimate_divergence(
    bound: Bound, sample_p: Sampler, sample_q: Sampler, *, steps: int = 1000, batch: int = 512, hidden: int = 32,
    lr: float = 1e-3, n_eval: int = 100_000, seed: int = 0,
) -> tuple[nn.Module, float]:
    r"""Train an MLP critic to raise ``bound`` between samples of :math:`p` and :math:`q`; return it and its bound.

    ``sample_p(n, generator)`` and ``sample_q(n, generator)`` draw ``(n, dim)`` points. The critic takes ``steps``
    Adam steps on fresh batches of ``batch`` points of each, then the bound is evaluated on ``n_eval`` new points
    of each: an unbiased estimate of a lower bound on the divergence (the bound of that critic), up to its
    Monte-Carlo error. Seeded by ``seed``; the caller's random streams are left alone.
    """
    generator = torch.Generator().manual_seed(seed)
    with own_rng(seed):
        critic = MLPDiscriminator(data_dim=sample_p(1, generator).shape[1], hidden=hidden, depth=2)
    optimizer = torch.optim.Adam(critic.parameters(), lr=lr)
    for _ in range(steps):
        value = bound(critic(sample_p(batch, generator)), critic(sample_q(batch, generator)))
        optimizer.zero_grad(set_to_none=True)
        (-value).backward()
        optimizer.step()
    with torch.no_grad():
        estimate = bound(critic(sample_p(n_eval, generator)), critic(sample_q(n_eval, generator)))
    return critic.eval(), float(estimate)
