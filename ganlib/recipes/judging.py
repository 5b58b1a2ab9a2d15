"""Recipe ``judged-corrections``: notebook 07's measured example of a correction judged by its own features.

``dcgan-mnist`` is corrected by DRS and by the MH-GAN (chains of ``CHAIN_LENGTH``) with two density ratios
(:func:`ganlib.recipes.density_ratio.pretrained_density_ratio`, fit seed 0): one read from the features of the
evaluation network and balanced by its digits, so that the correction is tuned on what scores it; and the
default, read from ``ratio-classifier``, which neither judge below uses. Every sampler draws 1,000 samples with
seeds 0, 1 and 2, and each draw is scored by :func:`ganlib.metrics.evaluation.evaluate` twice: in the evaluation
network's features and in those of the independent ``judge-classifier`` (another architecture, another seed,
other training digits). The run stores the mean of the three draws per sampler and judge, and the real data's
row (:func:`~ganlib.metrics.evaluation.evaluate_real_data`) for each judge.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import torch

from ganlib.checkpoints import save_runs
from ganlib.metrics.evaluation import evaluate, evaluate_real_data
from ganlib.ratio_sampling import discriminator_rejection_sample, mh_gan_sample
from ganlib.recipes.density_ratio import RATIO_NETWORKS, pretrained_density_ratio
from ganlib.recipes.recipe import Recipe

MODEL = "dcgan-mnist"
JUDGES = ("mnist-classifier", "judge-classifier")
SEEDS = (0, 1, 2)
CHAIN_LENGTH = 20
MEASURES = ("confident", "class_entropy", "frechet_ratio", "precision", "recall")


def _scores(draws: list[torch.Tensor]) -> dict[str, dict[str, float]]:
    """For each judge, the mean of each measure over the draws."""
    scores = {}
    for judge in JUDGES:
        rows = [evaluate(samples, len(samples), seed=0, network=judge) for samples in draws]
        scores[judge] = {key: statistics.fmean(row[key] for row in rows) for key in MEASURES}
    return scores


def judge_corrections(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Fit both ratios, draw with every sampler, score every draw by both judges; save the means."""
    del minutes  # a fixed amount of work: two fits, 15 draws of 1,000 samples
    runs: dict[str, dict[str, object]] = {
        "real data": {judge: {key: evaluate_real_data(1000, seed=0, device=device, network=judge)[key] for key in MEASURES}
                      for judge in JUDGES},
    }
    for network in RATIO_NETWORKS:
        propose, ratio = pretrained_density_ratio(MODEL, seed=0, device=device, network=network)
        if "plain" not in runs:
            runs["plain"] = _scores([propose(1000, torch.Generator().manual_seed(seed)) for seed in SEEDS])
        drs = [discriminator_rejection_sample(propose, ratio, 1000, generator=torch.Generator().manual_seed(seed)).samples
               for seed in SEEDS]
        mh = [mh_gan_sample(propose, ratio, 1000, generator=torch.Generator().manual_seed(seed), chain_length=CHAIN_LENGTH).samples
              for seed in SEEDS]
        runs[f"DRS, ratio on {network}"] = _scores(drs)
        runs[f"MH-GAN, ratio on {network}"] = _scores(mh)
    return save_runs(
        output,
        runs,
        data=f"{MODEL}: plain, DRS and the MH-GAN (chains of {CHAIN_LENGTH}) with ratios on {' and on '.join(RATIO_NETWORKS)}; "
        f"1,000 samples per draw, seeds {', '.join(map(str, SEEDS))}, scored by {' and by '.join(JUDGES)}",
        command="python -m ganlib train judged-corrections",
    )


RECIPES = (
    Recipe("judged-corrections", "dcgan-mnist's corrections scored by the evaluation network and by an independent judge",
           judge_corrections, folder="runs"),
)
