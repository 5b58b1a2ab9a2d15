"""ganlib: the helper package of a hands-on course on generative models.

Every name a notebook imports is written in the module it is imported from, so the code behind it is one
step away; ``show(obj)`` prints it in the notebook. The modules, what they hold, and the notebooks that import
from them (tests/test_package.py keeps this map complete and true):

Foundations: devices, data, the training loop, checkpoints, figures, panels
    ganlib.device                     device, seeding, bfloat16 autocast, own_rng, info()      00, 01, 02, 03, 04, 05, 06, 07, 08
    ganlib.data                       data_dir(): where the data files live                    (package internals)
    ganlib.data.mnist                 MNIST: the shipped 5k subset, or the full set            03, 04, 05, 06, 07, 08
    ganlib.data.toy                   1-D mixture, ring, grid, two moons, swiss roll           01, 02, 04, 05, 07, 08
    ganlib.data.batches               BatchIterator: shuffled batches on the device            03, 04, 05, 08
    ganlib.data.images                a folder of your own PNG/JPEG images, as uint8 squares   (package internals)
    ganlib.train                      train(), loss_step, classifier_step, linear_decay        03, 04, 05, 08
    ganlib.checkpoints                save and load checkpoints and runs, pretrained(name)     03, 04, 05, 06, 07, 08
    ganlib.checks                     claim(), and the shared checks of inputs                 03, 04, 05, 06, 07, 08
    ganlib.models                     MODELS: rebuild a checkpoint's network by class name     (package internals)
    ganlib.models.generator           Generator: what every generative model offers            07
    ganlib.plotting                   the course style, image grids, densities, histories      00, 01, 02, 03, 04, 05, 06, 07, 08
    ganlib.widgets                    LivePanel, slider, latent_sliders, interpolate           03, 04, 05, 06
    ganlib.exercises                  base of the self-checks; needs_answers                   00, 01, 02, 03, 04, 05, 06, 07, 08
    ganlib.recipes                    every training recipe by name, for python -m ganlib      (CLI, recipes)
    ganlib.recipes.recipe             Recipe: the shape of a training recipe                   (CLI, recipes)

Overview (00)
    ganlib.plotting.overview          generative vs discriminative, taxonomy, series map       00
    ganlib.exercises.overview         self-checks: Bayes' rule, the taxonomy                   00

Sampling (01)
    ganlib.sampling                   inverse transform, rejection, Metropolis-Hastings, IS    01, 05
    ganlib.plotting.sampling          figures of each sampler and of push-forwards             01
    ganlib.widgets.sampling           rejection and Metropolis-Hastings panels                 01
    ganlib.exercises.sampling         self-checks: inverse CDF, rejection round, MH step, ...  01

Likelihood (02)
    ganlib.likelihood                 Gaussian fits by maximum likelihood and by KL, kde_1d    02, 04
    ganlib.divergences                KL, JS, point masses, 1-D Wasserstein                    02, 05, 08
    ganlib.plotting.likelihood        draw_divergences: densities and KL integrands            (package internals)
    ganlib.widgets.likelihood         divergence_panel: move q, watch KL and JS                02
    ganlib.exercises.likelihood       self-checks: MLE, gradient ascent, KL, KL direction      02

VAE (03)
    ganlib.models.coders              MLP and convolutional encoders and decoders              (package internals)
    ganlib.models.autoencoder         Autoencoder, reconstruction_loss                         03
    ganlib.models.vae                 VAE, vae_loss, KL to the prior, the IWAE bound           03
    ganlib.models.mixture_prior       GaussianMixturePrior fitted to the codes                 03
    ganlib.plotting.vae               latent manifold, 2-D codes, latent usage                 03
    ganlib.recipes.vae                recipes vae-mnist and vae2d-mnist                        (CLI, recipes)
    ganlib.exercises.vae              self-checks: KL term, reparameterisation, negative ELBO  03

MMD (04)
    ganlib.mmd                        kernels, median heuristic, mmd2, witness                 04, 07
    ganlib.metrics.two_sample         MMD permutation test, rejection rate                     04
    ganlib.models.gmmn                GMMN, CodeSpaceGMMN, gmmn_step                           04
    ganlib.plotting.mmd               mean embeddings, estimator spread, null, power           04
    ganlib.widgets.mmd                bandwidth_panel: the witness as h moves                  04
    ganlib.recipes.gmmn               recipes gmmn-ring and gmmn-mnist                         (CLI, recipes)
    ganlib.exercises.mmd              self-checks: unbiased MMD², median, witness              04

GAN (05)
    ganlib.gan                        GAN losses; GAN, ConditionalGAN, SemiSupervisedGAN       05, 08
    ganlib.dynamics                   gradient play on xy, 1-D snapshots, D*                   05
    ganlib.ratio_sampling             DRS and the MH-GAN: samples corrected by D's ratio       05, 06
    ganlib.models.fourier             FourierFeatures, a sharp classifier's input map          (package internals)
    ganlib.recipes.density_ratio      a generator's fitted ratio, balanced by class            05, 06
    ganlib.recipes.distributed        torchrun: processes, DDP wrappers, batch norm     (CLI, recipes)
    ganlib.recipes.image_folder       train dcgan --data DIR: the DCGAN on your own images     (CLI, recipes)
    ganlib.plotting.ratio_sampling    ratio map, price of a correction, reliability            05, 06
    ganlib.models.mlp_gan             MLPGenerator, MLPDiscriminator                           05, 08
    ganlib.metrics.modes              mode coverage on the ring and the grid                   04, 05, 07, 08
    ganlib.plotting.gan               1-D GAN, game paths, mode coverage, histories            05, 06, 08
    ganlib.widgets.gan                training_scrubber, game_panel                            05
    ganlib.recipes.gan                grid and MNIST GANs; the ablation and cost runs          05
    ganlib.exercises.gan              self-checks: optimal logit, GAN round, ML cost, MH, ...  05

DCGAN (06)
    ganlib.dcgan                      train_dcgan, the failure lab, latent arithmetic          06
    ganlib.models.dcgan               DCGANGenerator, DCGANDiscriminator, trace_layers         06
    ganlib.models.image_dcgan         the DCGAN for 32/64-pixel grey or colour images          (package internals)
    ganlib.plotting.dcgan             training animation, snapshots, runs                      06
    ganlib.widgets.dcgan              failure_lab_panel                                        06
    ganlib.recipes.dcgan              recipe dcgan-mnist, the failure lab's runs               (CLI, recipes)
    ganlib.exercises.dcgan            self-checks: transposed size, block, slerp, style        06

Evaluation (07)
    ganlib.metrics                    the sample-quality measures, one per file                (package internals)
    ganlib.metrics.evaluation         evaluate(): every measure in one call                    03, 04, 06, 07
    ganlib.metrics.features           the evaluation classifier, the judge, their features     06, 07
    ganlib.metrics.frechet            Fréchet distance and its real-vs-real floor              07
    ganlib.metrics.confidence         confident share, class entropy, Inception Score          03, 05, 07
    ganlib.metrics.manifold           k-NN precision and recall                                07
    ganlib.metrics.copies             share of near-copies of training images                  07
    ganlib.metrics.neighbours         nearest-neighbour distances, in blocks                   (package internals)
    ganlib.metrics.calibration        calibration error, logistic calibration of a logit       (package internals)
    ganlib.models.classifier          MnistClassifier, the evaluation network                  (package internals)
    ganlib.models.lenet               LeNetClassifier, the independent judge                   (package internals)
    ganlib.recipes.classifier         recipes mnist-, judge- and ratio-classifier              (CLI, recipes)
    ganlib.recipes.judging            recipe judged-corrections: both judges score DRS and MH  (CLI, recipes)
    ganlib.exercises.evaluation       self-checks: Fréchet distance, entropy, 1-D FD, ...      07

WGAN (08)
    ganlib.plotting.wgan              point masses under JS and W1, critic tracking            08
    ganlib.recipes.wgan               WGAN settings and recipes, critic tracking               08
    ganlib.exercises.wgan             self-check: the gradient penalty                         08

f-divergences and the f-GAN (08)
    ganlib.fgan                       f-divergences, conjugates, the variational bound, FGAN   08
    ganlib.plotting.fgan              trained critics against T*, 1-D fits of several games    08
    ganlib.exercises.fgan             self-check: the reverse KL's variational bound           08

Conditional GAN (08)
    ganlib.models.conditional_dcgan   conditional DCGAN, one_hot_channels, balanced_labels     08
    ganlib.metrics.conditional        per-digit accuracy of a conditional generator            08
    ganlib.plotting.conditional       the same codes drawn as every digit                      08
    ganlib.widgets.conditional        digit_and_style: pick the digit, move the style          08
    ganlib.recipes.cdcgan             recipe cdcgan-mnist, train_cdcgan                        08
    ganlib.exercises.conditional      self-check: one-hot channels                             08

Semi-supervised GAN (08)
    ganlib.models.ssgan               SemiSupervisedDiscriminator and its losses               (package internals)
    ganlib.metrics.accuracy           a classifier's accuracy on labelled images               08
    ganlib.plotting.semi_supervised   accuracy curves and bars, confusion matrix               08
    ganlib.recipes.ssgan              train_semi_supervised, recipe ssgan-mnist                08
    ganlib.exercises.semi_supervised  self-check: D(x) from K class logits                     08
"""

from __future__ import annotations

import html
import inspect
import os
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

__version__ = "0.1.0"
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent  # the checkout: ganlib/, notebooks/, pyproject.toml


def repository_url() -> tuple[str, str] | None:
    """The course's repository on GitHub and its branch, as ``[tool.ganlib]`` in pyproject.toml names them (for a
    fork, its own); None for a copy of ganlib installed without its checkout."""
    try:
        with open(REPOSITORY_ROOT / "pyproject.toml", "rb") as file:
            config = tomllib.load(file)["tool"]["ganlib"]
        return config["repository"].rstrip("/").removesuffix(".git"), config["branch"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


@dataclass(frozen=True)
class Source:
    """The source code of a ganlib function or class, as a notebook shows it: highlighted, with a link to its file."""

    name: str
    code: str
    path: str  # relative to the repository, e.g. ganlib/gan.py

    def link(self) -> str:
        """Where the code lives, for a click. Where the file is on this disk, the path from the kernel's working
        directory, which is the notebook's folder: ``../ganlib/mmd.py`` from notebooks/, ``../../ganlib/mmd.py``
        from notebooks/exercises/, for JupyterLab and the course's site. In Colab, whose pages cannot open files
        of the runtime, or without the file, the file in the repository that pyproject.toml names.

        No line number: a stored notebook then changes only when the code it shows changes."""
        file, published = REPOSITORY_ROOT / self.path, repository_url()
        if published and ("google.colab" in sys.modules or not file.is_file()):
            repository, branch = published
            return f"{repository}/blob/{branch}/{self.path}"
        try:
            return Path(os.path.relpath(file, Path.cwd())).as_posix()
        except ValueError:  # Windows: the kernel runs on another drive than the checkout
            return file.as_uri()

    def _repr_markdown_(self) -> str:
        return f"**`{self.name}`** in [`{self.path}`]({self.link()})\n\n```python\n{self.code}\n```"

    def _repr_html_(self) -> str:
        return (f'<p><b><code>{html.escape(self.name)}</code></b> in <a href="{self.link()}"><code>{self.path}</code></a></p>\n'
                f'<pre><code class="language-python">{html.escape(self.code)}</code></pre>')

    def __repr__(self) -> str:
        return f"# {self.name}, in {self.path}\n{self.code}"


def show(obj: object) -> Source:
    """The source of a ganlib function, class or method, to display in a notebook: the code you read is the
    code that runs.

    >>> show(mmd2)  # in a notebook cell: the function, highlighted, with a link to ganlib/mmd.py
    """
    target = inspect.unwrap(getattr(obj, "__func__", obj))  # type: ignore[arg-type]
    module = inspect.getmodule(target)
    if module is None or not module.__name__.startswith("ganlib"):
        raise TypeError(f"show() displays ganlib's own code; {obj!r} is not defined in ganlib.")
    lines, _ = inspect.getsourcelines(target)
    path = Path(inspect.getsourcefile(target) or "").resolve().relative_to(REPOSITORY_ROOT)
    name = getattr(target, "__qualname__", getattr(target, "__name__", repr(obj)))
    return Source(f"{module.__name__}.{name}", textwrap.dedent("".join(lines)).rstrip(), path.as_posix().replace(os.sep, "/"))
