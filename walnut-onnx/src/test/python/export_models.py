#!/usr/bin/env python3
"""Exports the reference models of the walnut-onnx tests with PyTorch's ONNX exporter.

Usage: export_models.py OUT_DIR NAME [NAME ...]

For each NAME it writes OUT_DIR/NAME/model.onnx, the inputs (input_0.npy, ...) and PyTorch's
outputs on them (output_0.npy, ...). Weights are random with a fixed seed; nothing is downloaded
(torchvision models are built with weights=None). For "mlp" it also writes one training step's
reference (also for "cnn_plain" and "lstm"): target.npy, loss.npy and grad_<parameter name>.npy for
the MSE loss of the first output against the target, which FineTuneTest compares with Walnut's.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.norm = nn.LayerNorm(32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 4)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.norm(x)
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


class SmallCnn(nn.Module):
    """The layers of a typical small image model, and a few more ops for coverage."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.pool = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fc = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = nn.functional.leaky_relu(self.conv2(x), 0.1)
        x = torch.sigmoid(self.up(x)) * x.mean() + nn.functional.elu(self.up(x))
        x = self.avg(self.pool(x))
        x = torch.flatten(x, 1)
        return torch.log_softmax(self.fc(x), dim=1), torch.softmax(self.fc(x).clamp(-1.0, 1.0), dim=-1)


class PlainCnn(nn.Module):
    """Convolutions and pooling without BatchNorm, whose weights the exporter keeps as they are."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 8, 3, stride=2, padding=1)
        self.fc = nn.Linear(8 * 2 * 2, 5)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class Rnns(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 12, num_layers=2, batch_first=True)
        self.gru = nn.GRU(12, 8, bidirectional=True, batch_first=True)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        z, hg = self.gru(y)
        return z, h, c, hg


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 10, bidirectional=True)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return y, h, c


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(6, 10, num_layers=2)

    def forward(self, x):
        y, h = self.gru(x)
        return y, h


class Upsampling(nn.Module):
    """Resize as PyTorch exports it: nearest (asymmetric, floor), bilinear with and without align_corners."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        x = self.conv(x)
        a = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        b = nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        c = nn.functional.interpolate(x, size=(9, 13), mode="bilinear", align_corners=True)
        return a + b, c


class IndexPutBicubic(nn.Module):
    """x[i, j] = v (ScatterND) and bicubic interpolation (Resize in cubic mode, a = -0.75)."""

    def forward(self, x, i, j):
        y = x.clone()
        y[i, j] = 0.5 * x[i, j] + 1
        b = nn.functional.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
        c = nn.functional.interpolate(x, size=(7, 9), mode="bicubic", align_corners=True)
        return y, b, c


class OpsZoo(nn.Module):
    """Many op types in one graph, for coverage beyond the reference architectures."""

    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU(4)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.conv1d = nn.Conv1d(4, 6, 3, padding=2, dilation=2)
        self.deconv1d = nn.ConvTranspose1d(6, 3, 4, stride=2, padding=1)
        self.conv3d = nn.Conv3d(1, 2, (1, 3, 3), padding=(0, 1, 1))
        self.rnn = nn.RNN(5, 7, batch_first=True)

    def forward(self, x):
        # x: [2, 4, 5, 5]
        outs = []
        a = self.prelu(x)
        outs.append(nn.functional.softplus(a) + nn.functional.hardswish(x) + nn.functional.hardsigmoid(x))
        outs.append(nn.functional.selu(x) * nn.functional.celu(x, 0.7) + nn.functional.mish(x))
        outs.append(nn.functional.gelu(x, approximate="tanh") - nn.functional.softsign(x))
        outs.append(self.inorm(x))
        b = torch.where(x > 0.1, x, x.exp()) * (x <= 0.5).float() + torch.maximum(x, x.t() if x.dim() == 2 else x.flip(3))
        outs.append(b)
        outs.append(torch.minimum(x.sum(dim=(2, 3), keepdim=True), x.amax(dim=1, keepdim=True)))
        outs.append(torch.stack([x.amin(dim=3), x.prod(dim=3), x.norm(dim=3), x.logsumexp(dim=3)], 0))
        outs.append(x.argmin(dim=2).float())
        vals, idx = x.flatten(1).topk(3, dim=1)
        outs.append(vals * idx.float())
        outs.append(nn.functional.adaptive_max_pool2d(x, 1) + nn.functional.max_pool2d(x, 3, stride=2, ceil_mode=True).mean())
        y = x.flatten(2)                      # [2, 4, 25]
        outs.append(self.deconv1d(self.conv1d(y)))
        outs.append(nn.functional.avg_pool1d(y, 4, stride=3, padding=1) + nn.functional.max_pool1d(y, 3).sum())
        outs.append(self.conv3d(x[:, :1].unsqueeze(1)))
        m = x[:, 0]                           # [2, 5, 5]
        outs.append(torch.triu(m, 1) + torch.tril(m, -1).cumsum(2))
        outs.append(torch.einsum("bij,bjk->bik", m, m.transpose(1, 2)))
        outs.append(m.repeat(1, 2, 3) * torch.arange(15, dtype=torch.float32))
        outs.append(torch.gather(m, 2, torch.tensor([[[4, 0], [3, 1], [2, 2], [1, 3], [0, 4]]] * 2)))
        r, h = self.rnn(m)
        outs.append(r + h.transpose(0, 1))
        outs.append(torch.remainder(m * 3, 1.3) + torch.fmod(m * 3, 1.3) + (m.abs() + 1).log() + m.sqrt().nan_to_num(0.5))
        outs.append(torch.clamp(m, min=-0.5) + m.clamp(max=0.25) + m.sign() * m.floor() + m.ceil() - m.round())
        outs.append(((m > 0) & (m < 1) | (m > 2)).float() + (~(m > 0) ^ (m < -1)).float())
        outs.append(nn.functional.pixel_shuffle(x, 2) * 2)          # DepthToSpace (CRD)
        outs.append(nn.functional.pixel_unshuffle(x[..., :4, :4], 2))  # SpaceToDepth
        labels = (m[:, 0].abs() * 3).long().clamp(max=4)            # [2, 5] in 0..4
        outs.append(nn.functional.one_hot(labels, 5).float() * 2)
        outs.append(torch.zeros(2, 5, 5).scatter(2, labels.unsqueeze(1).expand(2, 5, 5), m)
                    + torch.ones(2, 5, 5).scatter_add(1, labels.unsqueeze(2).expand(2, 5, 5), m))
        return tuple(outs)


class Transformer(nn.Module):
    def __init__(self, activation, d_model=32, nhead=4, dim_feedforward=64, num_layers=2):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward,
                                           dropout=0.0, activation=activation, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=num_layers, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)


# Models whose export also writes one training step's reference (target, loss, gradients).
GRADIENT_MODELS = ("mlp", "cnn_plain", "lstm")


def build(name):
    """(module, example inputs, opset, dynamic axes of the inputs) for a model name."""
    if name == "mlp":
        return Mlp(), [torch.randn(5, 8)], 17
    if name == "mlp_opset13":
        return Mlp(), [torch.randn(5, 8)], 13
    if name == "cnn_plain":
        return PlainCnn(), [torch.randn(2, 3, 16, 16)], 17
    if name == "small_cnn":
        return SmallCnn(), [torch.randn(2, 3, 16, 16)], 15
    if name == "resnet18":
        return torchvision.models.resnet18(weights=None), [torch.randn(2, 3, 64, 64)], 17
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(weights=None), [torch.randn(2, 3, 64, 64)], 17
    if name == "squeezenet1_0":
        return torchvision.models.squeezenet1_0(weights=None), [torch.randn(1, 3, 96, 96)], 14
    if name == "alexnet":
        return torchvision.models.alexnet(weights=None), [torch.randn(1, 3, 224, 224)], 17
    if name == "vgg11":
        return torchvision.models.vgg11(weights=None), [torch.randn(1, 3, 224, 224)], 16
    if name == "ops_zoo":
        return OpsZoo(), [torch.randn(2, 4, 5, 5)], 17
    if name == "upsampling":
        return Upsampling(), [torch.randn(2, 3, 5, 6)], 17
    if name == "index_put_bicubic":
        return IndexPutBicubic(), [torch.randn(3, 4, 5, 6), torch.tensor([0, 2, -1]), torch.tensor([3, 0, 1])], 17
    if name == "transformer":
        return Transformer("relu"), [torch.randn(2, 7, 32)], 17
    if name == "transformer_gelu":
        return Transformer("gelu"), [torch.randn(2, 7, 32)], 14
    if name == "lstm":
        return Lstm(), [torch.randn(5, 3, 6)], 14
    if name == "gru":
        return Gru(), [torch.randn(5, 3, 6)], 13
    if name == "rnns":
        return Rnns(), [torch.randn(3, 5, 6)], 17
    # The benchmark models of walnut-bench (OnnxModelBenchmark, bench/run.sh --only onnx): the
    # image models at ImageNet's 224x224, an encoder of BERT-mini proportions over 128 tokens.
    if name == "resnet18_224":
        return torchvision.models.resnet18(weights=None), [torch.randn(1, 3, 224, 224)], 17
    if name == "mobilenet_v2_224":
        return torchvision.models.mobilenet_v2(weights=None), [torch.randn(1, 3, 224, 224)], 17
    if name == "transformer_encoder":
        return Transformer("relu", d_model=256, nhead=4, dim_feedforward=1024, num_layers=4), \
            [torch.randn(2, 128, 256)], 17
    raise SystemExit("unknown model " + name)


def prepare(name):
    """build(name) with the fixed seed and BatchNorm statistics of the export, in eval mode: the
    model the ONNX file holds (bench/torch_compare.py times it as PyTorch's side)."""
    torch.manual_seed(1234)
    model, inputs, opset = build(name)
    model.eval()
    # BatchNorm statistics that are not the identity, so that importing them is really tested.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    return model, inputs, opset


def export(out_dir, name):
    model, inputs, opset = prepare(name)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with torch.no_grad():
        outputs = model(*inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    input_names = ["input_%d" % i for i in range(len(inputs))]
    output_names = ["output_%d" % i for i in range(len(outputs))]
    torch.onnx.export(model, tuple(inputs), os.path.join(d, "model.onnx"), opset_version=opset,
                      input_names=input_names, output_names=output_names,
                      dynamic_axes={n: {0: "batch"} for n in input_names})
    for n, t in zip(input_names, inputs):
        np.save(os.path.join(d, n + ".npy"), t.numpy())
    for n, t in zip(output_names, outputs):
        np.save(os.path.join(d, n + ".npy"), t.numpy())
    if name in GRADIENT_MODELS:
        # One training step's reference: MSE against a fixed target, gradients per parameter.
        target = torch.randn(outputs[0].shape)
        out = model(*inputs)
        loss = nn.functional.mse_loss(out if isinstance(out, torch.Tensor) else out[0], target)
        loss.backward()
        np.save(os.path.join(d, "target.npy"), target.numpy())
        np.save(os.path.join(d, "loss.npy"), loss.detach().numpy())
        for pname, p in model.named_parameters():
            np.save(os.path.join(d, "grad_" + pname + ".npy"), p.grad.numpy())


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    torch.set_num_threads(1)
    for name in sys.argv[2:]:
        export(sys.argv[1], name)
        print("exported", name)


if __name__ == "__main__":
    main()
