"""Neural networks of the course, one per file.

``MODELS`` maps a class name to its class, so that a checkpoint, which stores the name and the
constructor arguments, can rebuild the network it was saved from.
"""

from torch import nn

from ganlib.models.autoencoder import Autoencoder
from ganlib.models.classifier import MnistClassifier
from ganlib.models.conditional_dcgan import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
)
from ganlib.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlib.models.gmmn import GMMN, CodeSpaceGMMN
from ganlib.models.image_dcgan import ImageDCGANDiscriminator, ImageDCGANGenerator
from ganlib.models.lenet import LeNetClassifier
from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator
from ganlib.models.ssgan import SemiSupervisedDiscriminator
from ganlib.models.vae import VAE

MODELS: dict[str, type[nn.Module]] = {
    "Autoencoder": Autoencoder,
    "CodeSpaceGMMN": CodeSpaceGMMN,
    "ConditionalDCGANDiscriminator": ConditionalDCGANDiscriminator,
    "ConditionalDCGANGenerator": ConditionalDCGANGenerator,
    "DCGANDiscriminator": DCGANDiscriminator,
    "DCGANGenerator": DCGANGenerator,
    "GMMN": GMMN,
    "ImageDCGANDiscriminator": ImageDCGANDiscriminator,
    "ImageDCGANGenerator": ImageDCGANGenerator,
    "LeNetClassifier": LeNetClassifier,
    "MLPDiscriminator": MLPDiscriminator,
    "MLPGenerator": MLPGenerator,
    "MnistClassifier": MnistClassifier,
    "SemiSupervisedDiscriminator": SemiSupervisedDiscriminator,
    "VAE": VAE,
}
