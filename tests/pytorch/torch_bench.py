"""PyTorch speed on the GPU, for native-versus-Orion ratios measured in one run (issue 11).

    python3 torch_bench.py first      seconds from interpreter start to the first CUDA tensor,
                                      the first cuBLAS GEMM and the first cuDNN convolution
    python3 torch_bench.py resnet     ResNet-50 training, batch 64, synthetic data: ms per step
    python3 torch_bench.py decode     a decode-style loop (8 small matmuls and one .item() per
                                      step): microseconds per step
    python3 torch_bench.py parts      the decode step's launches alone and its .item() alone

Each prints one line "name value unit" per figure; the caller pairs native and Orion lines.
"""
import sys
import time

START = time.perf_counter()
import torch  # noqa: E402  (timed from before the import on purpose)


def first():
    imported = time.perf_counter()
    x = torch.ones(1, device="cuda")
    torch.cuda.synchronize()
    tensor = time.perf_counter()
    a = torch.randn(256, 256, device="cuda")
    (a @ a).sum().item()
    gemm = time.perf_counter()
    conv = torch.nn.Conv2d(3, 8, 3).cuda()
    conv(torch.randn(1, 3, 32, 32, device="cuda")).sum().item()
    convolution = time.perf_counter()
    del x
    print(f"import_torch {imported - START:.3f} s")
    print(f"first_tensor {tensor - START:.3f} s")
    print(f"first_gemm {gemm - START:.3f} s")
    print(f"first_conv {convolution - START:.3f} s")


def resnet(steps=30, warmup=10):
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet50().cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data = torch.randn(64, 3, 224, 224, device="cuda")
    labels = torch.randint(0, 1000, (64,), device="cuda")

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(data), labels)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    began = time.perf_counter()
    for _ in range(steps):
        loss = step()
    loss.item()
    torch.cuda.synchronize()
    print(f"resnet50_step {(time.perf_counter() - began) / steps * 1e3:.2f} ms")


def decode(steps=2000, warmup=200):
    torch.manual_seed(0)
    weights = [torch.randn(512, 512, device="cuda") / 23 for _ in range(8)]
    x = torch.randn(1, 512, device="cuda")

    def step(x):
        for w in weights:
            x = x @ w
        return x, x[0, 0].item()

    for _ in range(warmup):
        x, _ = step(x)
    began = time.perf_counter()
    for _ in range(steps):
        x, _ = step(x)
    print(f"decode_step {(time.perf_counter() - began) / steps * 1e6:.1f} us")


def parts(steps=2000):
    """The decode step taken apart: its launches alone, and its .item() alone."""
    torch.manual_seed(0)
    weights = [torch.randn(512, 512, device="cuda") / 23 for _ in range(8)]
    x = torch.randn(1, 512, device="cuda")
    for _ in range(200):
        for w in weights:
            x = x @ w
    torch.cuda.synchronize()
    began = time.perf_counter()
    for i in range(steps):
        for w in weights:
            x = x @ w
        if i % 100 == 99:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    print(f"decode_launches_only {(time.perf_counter() - began) / steps * 1e6:.1f} us")
    began = time.perf_counter()
    for _ in range(steps):
        x[0, 0].item()
    print(f"item_only {(time.perf_counter() - began) / steps * 1e6:.1f} us")


if __name__ == "__main__":
    {"first": first, "resnet": resnet, "decode": decode, "parts": parts}[sys.argv[1]]()
