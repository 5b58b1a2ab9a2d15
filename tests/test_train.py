import math

import pytest
import torch
from torch import nn

from ganlib.checkpoints import CheckpointError
from ganlib.data import BatchIterator, load_mnist
from ganlib.steps import classifier_step
from ganlib.train import TrainingDiverged, train


def _setup(lr=1e-2):
    torch.manual_seed(0)
    images, labels = load_mnist("train", source="subset")
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    data = BatchIterator(images[:1000], labels[:1000], batch_size=100, generator=torch.Generator().manual_seed(0))
    return model, optimizer, data


def test_training_lowers_the_loss_and_logs_history():
    model, optimizer, data = _setup()
    history = train(classifier_step(model, optimizer), data, {"net": model}, {"net": optimizer}, epochs=3, log_every=5, progress=False)
    assert history["step"] == [5, 10, 15, 20, 25, 30]
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8
    assert not model.training  # handed back in eval mode


def test_budget_is_required_and_positive():
    model, optimizer, data = _setup()
    step = classifier_step(model, optimizer)
    with pytest.raises(ValueError, match="budget"):
        train(step, data, {"net": model}, {"net": optimizer}, progress=False)
    with pytest.raises(ValueError, match="steps must be positive"):
        train(step, data, {"net": model}, {"net": optimizer}, steps=0, progress=False)


def test_minutes_budget_stops():
    model, optimizer, data = _setup()
    history = train(classifier_step(model, optimizer), data, {"net": model}, {"net": optimizer}, minutes=0.002, log_every=1, progress=False)
    assert 1 <= history["step"][-1] < 10_000


def test_nan_stops_with_a_clear_error_and_keeps_last_good_weights():
    model, optimizer, data = _setup()
    good = classifier_step(model, optimizer)
    calls = {"n": 0}

    def poisoned(batch, precision):
        calls["n"] += 1
        if calls["n"] == 13:  # corrupt the weights, as an exploding update would
            with torch.no_grad():
                model[1].weight.fill_(float("nan"))
        return good(batch, precision)

    with pytest.raises(TrainingDiverged, match="last finite weights") as error:
        train(poisoned, data, {"net": model}, {"net": optimizer}, steps=40, log_every=5, progress=False)
    assert "Lower the learning rate" in str(error.value)
    weights = torch.cat([p.flatten() for p in model.parameters()])
    assert torch.isfinite(weights).all()
    # the restored weights are those of step 10, so they still classify far better than chance
    images, labels = next(iter(data))
    assert (model(images).argmax(1) == labels).float().mean() > 0.5


def test_snapshots_are_taken_at_start_interval_and_end():
    model, optimizer, data = _setup()
    fixed = torch.zeros(2, 1, 28, 28)
    history = train(classifier_step(model, optimizer), data, {"net": model}, {"net": optimizer}, steps=25,
                    snapshot=lambda: model(fixed), snapshot_every=10, progress=False)
    assert history["snapshot_step"] == [0, 10, 20, 25]
    assert history["snapshots"][0].shape == (2, 10)
    assert not torch.equal(history["snapshots"][0], history["snapshots"][-1])


def test_resume_continues_the_step_count_and_history(tmp_path):
    path = tmp_path / "run.pt"
    model, optimizer, data = _setup()
    train(classifier_step(model, optimizer), data, {"net": model}, {"net": optimizer}, steps=20, log_every=10, checkpoint=path, progress=False)
    saved_weight = model[1].weight.detach().clone()

    model2, optimizer2, data2 = _setup()
    history = train(classifier_step(model2, optimizer2), data2, {"net": model2}, {"net": optimizer2}, steps=30,
                    log_every=10, checkpoint=path, resume=True, progress=False)
    assert history["step"] == [10, 20, 30]
    assert optimizer2.state_dict()["state"][0]["step"].item() == 30  # Adam's own count continued too
    assert not torch.equal(model2[1].weight, saved_weight)


def test_resume_refuses_a_run_of_other_networks(tmp_path):
    path = tmp_path / "run.pt"
    model, optimizer, data = _setup()
    train(classifier_step(model, optimizer), data, {"net": model}, {"net": optimizer}, steps=5, checkpoint=path, progress=False)
    with pytest.raises(CheckpointError, match="new checkpoint path"):
        train(classifier_step(model, optimizer), data, {"other": model}, {"other": optimizer}, steps=5,
              checkpoint=path, resume=True, progress=False)


def test_amp_on_cpu_follows_native_bf16_support(monkeypatch):
    import ganlib.train as engine

    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: False)
    assert not engine.Precision(torch.device("cpu"), amp=True).enabled  # emulated bf16 would be slower
    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: True)
    precision = engine.Precision(torch.device("cpu"), amp=True)
    assert precision.enabled and precision.dtype == torch.bfloat16
    assert not engine.Precision(torch.device("cpu"), amp=False).enabled
    with precision.autocast():
        product = torch.ones(4, 4) @ torch.ones(4, 4)
    assert product.dtype == torch.bfloat16


def test_amp_and_channels_last_train_a_convolution_on_cpu(monkeypatch):
    import ganlib.train as engine

    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: True)  # autocast works on any CPU, if slowly
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 8 * 8, 1))
    x = torch.randn(64, 1, 8, 8)
    y = x.mean(dim=(1, 2, 3)).unsqueeze(1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    seen: list[bool] = []

    def step(batch, precision):
        seen.append(batch[0].is_contiguous(memory_format=torch.channels_last))
        with precision.autocast():
            loss = ((net(batch[0]).float() - batch[1]) ** 2).mean()
        precision.minimise(loss, opt)
        return {"loss": loss}

    history = engine.train(step, [(x, y)], {"net": net}, {"net": opt}, steps=60, log_every=10, progress=False, amp=True, channels_last=True)
    assert all(seen) and net[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert history["loss"][-1] < 0.2 * history["loss"][0]
