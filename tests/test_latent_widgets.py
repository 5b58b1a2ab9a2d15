import pytest
import torch

from ganlib.models.vae import VAE
from ganlib.widgets import images_to_png, interpolate, latent_sliders, traversal_grid


@pytest.fixture
def vae():
    torch.manual_seed(0)
    return VAE(4, "mlp").eval()


def test_moving_a_latent_slider_changes_the_image(vae):
    panel = latent_sliders(vae, dims=[0, 2])
    before = bytes(panel.image.value)
    panel.controls["z2"].value = 2.5
    assert bytes(panel.image.value) != before
    panel.controls["z2"].value = 0.0
    assert bytes(panel.image.value) == before  # same code, same picture


def test_random_and_reset_buttons(vae):
    panel = latent_sliders(vae, dims=[0, 1, 3])
    start = bytes(panel.image.value)
    panel.random_button.click()
    assert any(v != 0.0 for v in panel.values.values()) and bytes(panel.image.value) != start
    panel.reset_button.click()
    assert all(v == 0.0 for v in panel.values.values()) and bytes(panel.image.value) == start


def test_static_preview_is_a_traversal_grid(vae):
    panel = latent_sliders(vae, dims=[1])
    grid = traversal_grid(vae, torch.zeros(1, 4), [1], steps=9)
    assert panel.static_png == images_to_png(grid, nrow=9, zoom=2)
    assert not torch.equal(grid[0], grid[-1])


def test_interpolation_slider_walks_between_codes(vae):
    z0, z1 = -2 * torch.ones(4), 2 * torch.ones(4)
    panel = interpolate(vae, z0, z1)
    start = bytes(panel.image.value)
    panel.controls["t"].value = 1.0
    assert bytes(panel.image.value) != start
    assert panel.text.value == "z = 0.00·z0 + 1.00·z1"
    assert bytes(panel.image.value) == images_to_png(vae.decode(z1[None]), zoom=8)


def test_bad_dimensions_and_codes_are_explained(vae):
    with pytest.raises(ValueError, match="0..3"):
        latent_sliders(vae, dims=[4])
    with pytest.raises(ValueError, match="4 entries"):
        latent_sliders(vae, z0=torch.zeros(5))
    with pytest.raises(ValueError, match="4 entries"):
        interpolate(vae, torch.zeros(3), torch.zeros(4))
