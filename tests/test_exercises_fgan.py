"""The self-check of notebook 08's f-divergence exercise passes the right bound and names each usual slip."""

import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.fgan import check_reverse_kl_bound
from ganlib.fgan import variational_bound


def test_the_right_bound_passes(capsys):
    check_reverse_kl_bound(lambda real, fake: 1 - torch.exp(-real).mean() - fake.mean())
    check_reverse_kl_bound(lambda real, fake: variational_bound("reverse-kl", real, fake))
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda real, fake: 1 - torch.exp(-fake).mean() - real.mean(), "swapped"),
        (lambda real, fake: -torch.exp(-real).mean() - fake.mean(), "constant is missing"),
        (lambda real, fake: -1 - torch.exp(-real).mean() - fake.mean(), "wrong sign: f"),
        (lambda real, fake: real.mean() - torch.exp(fake - 1).mean(), "forward KL"),
        (lambda real, fake: -torch.exp(real).mean() + 1 + fake.mean(), "sign inside the exponential"),
        (lambda real, fake: real.mean() - (-1 - torch.log(-fake)).mean(), "defined for t < 0"),
        (lambda real, fake: (1 - torch.exp(-real) - fake), "one number"),
        (lambda real, fake: torch.tensor(1 - torch.exp(-real).mean().item() - fake.mean().item()), "cannot train"),
        (lambda real, fake: 0.5 * (1 - torch.exp(-real).mean() - fake.mean()), "is -1.75"),
        (lambda real: real, "calling reverse_kl_bound"),
    ],
)
def test_each_slip_gets_its_hint(answer, hint):
    with pytest.raises(ExerciseError, match=hint.replace("(", r"\(").replace(")", r"\)")):
        check_reverse_kl_bound(answer)
