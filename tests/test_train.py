import pytest
import torch
from torch import nn

from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.train import TrainingDiverged, classifier_step, linear_decay, loss_step, train


def _setup(lr=1e-2):
    torch.manual_seed(0)
    images, labels = load_mnist("train", source="subset")
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    data = BatchIterator(images[:1000], labels[:1000], batch_size=100, generator=torch.Generator().manual_seed(0))
    return model, optimizer, data


def test_training_lowers_the_loss_and_logs_history():
    model, optimizer, data = _setup()
    history = train(classifier_step(model, optimizer), data, {"net": model}, epochs=3, log_every=5, progress=False)
    assert history["step"] == [5, 10, 15, 20, 25, 30]
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8
    assert not model.training  # handed back in eval mode


def test_budget_is_required_and_positive():
    model, optimizer, data = _setup()
    step = classifier_step(model, optimizer)
    with pytest.raises(ValueError, match="budget"):
        train(step, data, {"net": model}, progress=False)
    with pytest.raises(ValueError, match="steps must be positive"):
        train(step, data, {"net": model}, steps=0, progress=False)


def test_minutes_budget_stops():
    model, optimizer, data = _setup()
    history = train(classifier_step(model, optimizer), data, {"net": model}, minutes=0.002, log_every=1, progress=False)
    assert 1 <= history["step"][-1] < 10_000


def test_nan_stops_with_a_clear_error_and_keeps_last_good_weights():
    model, optimizer, data = _setup()
    good = classifier_step(model, optimizer)
    calls = {"n": 0}

    def poisoned(batch):
        calls["n"] += 1
        if calls["n"] == 13:  # corrupt the weights, as an exploding update would
            with torch.no_grad():
                model[1].weight.fill_(float("nan"))
        return good(batch)

    with pytest.raises(TrainingDiverged, match="last finite weights") as error:
        train(poisoned, data, {"net": model}, steps=40, log_every=5, progress=False)
    assert "Lower the learning rate" in str(error.value)
    weights = torch.cat([p.flatten() for p in model.parameters()])
    assert torch.isfinite(weights).all()
    # the restored weights are those of step 10, so they still classify far better than chance
    images, labels = next(iter(data))
    assert (model(images).argmax(1) == labels).float().mean() > 0.5


def test_snapshots_are_taken_at_start_interval_and_end():
    model, optimizer, data = _setup()
    fixed = torch.zeros(2, 1, 28, 28)
    history = train(classifier_step(model, optimizer), data, {"net": model}, steps=25,
                    snapshot=lambda: model(fixed), snapshot_every=10, progress=False)
    assert history["snapshot_step"] == [0, 10, 20, 25]
    assert history["snapshots"][0].shape == (2, 10)
    assert not torch.equal(history["snapshots"][0], history["snapshots"][-1])


def test_a_budget_shorter_than_one_step_still_takes_one():
    model, optimizer, data = _setup()
    history = train(classifier_step(model, optimizer), data, {"net": model}, minutes=1e-9, log_every=1, progress=False)
    assert history["step"] == [1]


def test_linear_decay_is_constant_then_linear_to_zero():
    weight = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.6)
    schedule = linear_decay(optimizer, steps=10, start=4)
    rates = []
    for _ in range(13):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates[:5] == [0.6] * 5  # constant for `start` updates (and at the start of the decay)
    assert rates[5:10] == pytest.approx([0.5, 0.4, 0.3, 0.2, 0.1], rel=1e-12, abs=0)  # 0.6 (1 - (t - 4) / 6)
    assert rates[10:] == [0.0, 0.0, 0.0]  # 0 at `steps`, and after
    plain = linear_decay(torch.optim.SGD([weight], lr=1.0), steps=4)  # start=0: the decay begins at once
    rates = []
    for _ in range(5):
        rates.append(plain.get_last_lr()[0])
        plain.optimizer.step()
        plain.step()
    assert rates == [1.0, 0.75, 0.5, 0.25, 0.0]
    for start, steps in ((4, 4), (-1, 4), (0, 0)):
        with pytest.raises(ValueError, match="need 0 <= start < steps"):
            linear_decay(optimizer, steps=steps, start=start)


def test_a_loss_step_advances_its_schedule():
    weight = nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([weight], lr=1.0)
    step = loss_step(lambda batch: {"loss": (weight * batch[0]).sum()}, optimizer, linear_decay(optimizer, steps=4))
    history = train(step, [(torch.ones(1),)], {"w": nn.ParameterList([weight])}, steps=4, log_every=1, progress=False)
    # lr 1, 0.75, 0.5, 0.25 on a gradient of 1: the weight falls by 2.5
    assert weight.item() == pytest.approx(1 - 2.5) and history["loss"] == pytest.approx([1.0, 0.0, -0.75, -1.25])
    assert optimizer.param_groups[0]["lr"] == 0.0


def test_autocast_on_cpu_follows_native_bf16_support(monkeypatch):
    import ganlib.device as device

    cpu = torch.device("cpu")
    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: False)
    assert not device.bf16_is_native(cpu)
    with device.autocast(cpu, amp=True):  # emulated bf16 would be slower: float32
        assert (torch.ones(4, 4) @ torch.ones(4, 4)).dtype == torch.float32
    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: True)
    assert device.bf16_is_native(cpu)
    with device.autocast(cpu, amp=False):
        assert (torch.ones(4, 4) @ torch.ones(4, 4)).dtype == torch.float32
    with device.autocast(cpu, amp=True):
        product = torch.ones(4, 4) @ torch.ones(4, 4)
    assert product.dtype == torch.bfloat16


def test_amp_and_channels_last_train_a_convolution_on_cpu(monkeypatch):
    import ganlib.device as device

    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: True)  # autocast works on any CPU, if slowly
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 8 * 8, 1))
    x = torch.randn(64, 1, 8, 8)
    y = x.mean(dim=(1, 2, 3)).unsqueeze(1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    seen: list[bool] = []
    dtypes: list[torch.dtype] = []

    def loss_fn(batch):
        seen.append(batch[0].is_contiguous(memory_format=torch.channels_last))
        out = net(batch[0])
        dtypes.append(out.dtype)
        return {"loss": ((out.float() - batch[1]) ** 2).mean()}

    history = train(loss_step(loss_fn, opt, amp=True), [(x, y)], {"net": net}, steps=60, log_every=10, progress=False, channels_last=True)
    assert all(seen) and net[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert set(dtypes) == {torch.bfloat16}  # the loss was computed under autocast
    assert history["loss"][-1] < 0.2 * history["loss"][0]
