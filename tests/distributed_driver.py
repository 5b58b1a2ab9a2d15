"""Runs ``python -m ganlib train dcgan`` on a tiny model, as one process or as one of torchrun's, for
tests/test_distributed.py. Each process saves the weights it ends with to ``OUT/weights-RANK.pt`` and the
steps it trained to ``OUT/steps-RANK.txt``.

    python tests/distributed_driver.py OUT STEPS BATCHNORM [FAIL_AT_STEP]
    python -m torch.distributed.run --standalone --nproc-per-node=2 tests/distributed_driver.py OUT STEPS ...

With RESUME=1 in the environment, the run continues from its training state up to STEPS. With FAIL_AT_STEP,
process 1 raises in that step (as a process that runs out of memory would), and the run goes
through the command line, whose error message the test reads.
"""

import os
import sys
from pathlib import Path

import torch

import ganlib.recipes.image_folder as image_folder
from ganlib.gan import GAN
from ganlib.recipes.distributed import unwrap

out, steps, batchnorm = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
fail_at = int(sys.argv[4]) if len(sys.argv) > 4 else None
rank = int(os.environ.get("RANK", "0"))
train, step = image_folder.train, GAN.step


def recording_train(*args, **kwargs):
    """The real training loop; then this process's weights, without the data-parallel wrapper."""
    history = train(*args, **kwargs)
    torch.save({name: unwrap(m).state_dict() for name, m in args[2].items()}, out / f"weights-{rank}.pt")
    (out / f"steps-{rank}.txt").write_text(str(kwargs["steps"]))  # the steps this call trained
    return history


def failing_step(gan, batch):
    if rank == 1 and gan.rounds + 1 == fail_at:
        raise RuntimeError(f"an error made on purpose in step {fail_at}")
    return step(gan, batch)


image_folder.train, GAN.step = recording_train, failing_step
if fail_at is not None:
    from ganlib.__main__ import main

    sys.exit(main(["train", "dcgan", "--data", "mnist", "--image-size", "32", "--channels", "1", "--width", "4",
                   "--batch-size", "16", "--steps", str(steps), "--output", str(out / "run.pt")]))
settings = image_folder.FolderSettings(image_size=32, channels=1, latent_dim=16, width=4, batch_size=16, batchnorm=batchnorm)
image_folder.train_on_folder("mnist", out / "run.pt", steps=steps, settings=settings, snapshot_every=2, progress=False,
                             resume=os.environ.get("RESUME") == "1")
