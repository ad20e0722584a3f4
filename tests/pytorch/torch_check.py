"""PyTorch on the GPU, printed so that two runs can be compared line by line (issue 11).

Run natively and through Orion with the same arguments; with the same seed and deterministic
settings every printed line must be identical. Each check prints its results as digests of the
tensors' bytes (sha256, first 16 hex digits) and a few values; a check that fails prints one
FAILED line with the exception and the next check still runs.

    python3 torch_check.py [CHECK ...]       default: every check except "expandable"
    PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True python3 torch_check.py expandable

Environment the caller sets for determinism: CUBLAS_WORKSPACE_CONFIG=:4096:8.
"""
import hashlib
import sys
import traceback

import torch

CHECKS = {}


def check(function):
    CHECKS[function.__name__] = function
    return function


def digest(tensor):
    """sha256 of the tensor's bytes, whatever its dtype (bf16 included)."""
    flat = tensor.detach().contiguous().cpu().reshape(-1)
    return hashlib.sha256(flat.view(torch.uint8).numpy().tobytes()).hexdigest()[:16]


def say(name, tensor):
    values = tensor.detach().float().reshape(-1)
    print(f"  {name}: {tuple(tensor.shape)} {tensor.dtype} sum={values.double().sum().item():.10e} "
          f"first={values[0].item():.8e} sha={digest(tensor)}", flush=True)


def generator(seed):
    g = torch.Generator(device="cuda")
    g.manual_seed(seed)
    return g


@check
def device():
    print(f"  available={torch.cuda.is_available()} count={torch.cuda.device_count()}")
    p = torch.cuda.get_device_properties(0)
    print(f"  name={torch.cuda.get_device_name(0)} capability={torch.cuda.get_device_capability(0)} "
          f"sms={p.multi_processor_count} total={p.total_memory}")
    free, total = torch.cuda.mem_get_info()
    print(f"  mem_get_info total={total} free_positive={free > 0} free_at_most_total={free <= total}")


@check
def elementwise():
    g = generator(1)
    a = torch.randn(1 << 20, device="cuda", generator=g)
    b = torch.rand(1 << 20, device="cuda", generator=g)
    say("randn", a)
    say("rand", b)
    say("sin*exp", torch.sin(a) * torch.exp(b))
    say("where", torch.where(a > 0, a, b * 2))
    say("pow+div", a.pow(2) / (b + 1))
    say("int ops", (a * 1000).to(torch.int32) // 7 % 13)
    say("half add", a.half() + b.half())
    say("clamp tanh", torch.tanh(a).clamp(-0.5, 0.5))


@check
def sorting():
    g = generator(2)
    a = torch.randn(100_003, device="cuda", generator=g)
    values, indices = torch.sort(a)
    say("sort values", values)
    say("sort indices", indices)
    top, top_i = torch.topk(a, 17)
    say("topk", top)
    say("topk indices", top_i)
    say("cumsum", torch.cumsum(a, 0))
    ints = torch.randint(0, 1000, (50_000,), device="cuda", generator=g)
    u, counts = torch.unique(ints, return_counts=True)
    say("unique", u)
    say("unique counts", counts)
    say("argmax per row", a[:100_000].reshape(1000, 100).argmax(dim=1))


@check
def matmul():
    g = generator(3)
    a = torch.randn(512, 384, device="cuda", generator=g)
    b = torch.randn(384, 256, device="cuda", generator=g)
    say("fp32", a @ b)
    say("bf16", a.bfloat16() @ b.bfloat16())
    say("fp16", a.half() @ b.half())
    x = torch.randn(8, 64, 96, device="cuda", generator=g)
    y = torch.randn(8, 96, 48, device="cuda", generator=g)
    say("bmm", torch.bmm(x, y))
    say("linear", torch.nn.functional.linear(a, b.t()[:100]))


@check
def linalg():
    g = generator(4)
    m = torch.randn(64, 64, device="cuda", generator=g, dtype=torch.float64)
    spd = m @ m.t() + 64 * torch.eye(64, device="cuda", dtype=torch.float64)
    say("cholesky", torch.linalg.cholesky(spd))
    rhs = torch.randn(64, 3, device="cuda", generator=g, dtype=torch.float64)
    say("solve", torch.linalg.solve(spd, rhs))
    say("solve fp32", torch.linalg.solve(spd.float(), rhs.float()))


@check
def fft():
    g = generator(5)
    a = torch.randn(4096, device="cuda", generator=g)
    say("fft", torch.view_as_real(torch.fft.fft(a)))
    img = torch.randn(64, 128, device="cuda", generator=g)
    say("rfft2", torch.view_as_real(torch.fft.rfft2(img)))
    say("irfft2", torch.fft.irfft2(torch.fft.rfft2(img), s=img.shape))


@check
def convolution():
    torch.manual_seed(6)
    conv = torch.nn.Conv2d(3, 16, 3, padding=1).cuda()
    x = torch.randn(4, 3, 32, 32, device="cuda", requires_grad=True)
    y = conv(x)
    say("conv forward", y)
    y.square().mean().backward()
    say("grad input", x.grad)
    say("grad weight", conv.weight.grad)
    say("grad bias", conv.bias.grad)


@check
def cnn_training():
    torch.manual_seed(7)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(32, 10)).cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = generator(7)
    data = torch.randn(32, 3, 32, 32, device="cuda", generator=g)
    labels = torch.randint(0, 10, (32,), device="cuda", generator=g)
    for step in range(5):
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(data), labels)
        loss.backward()
        optimizer.step()
        print(f"  step {step} loss={loss.item():.10e}")
    say("first conv weight", model[0].weight)
    say("bn running mean", model[1].running_mean)


@check
def transformer_amp():
    torch.manual_seed(8)
    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, dropout=0.0,
                                             batch_first=True)
    model = torch.nn.Sequential(torch.nn.TransformerEncoder(layer, num_layers=2), torch.nn.Linear(64, 8)).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    g = generator(8)
    data = torch.randn(16, 24, 64, device="cuda", generator=g)
    target = torch.randn(16, 24, 8, device="cuda", generator=g)
    for step in range(5):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = torch.nn.functional.mse_loss(model(data).float(), target)
        loss.backward()
        optimizer.step()
        print(f"  step {step} loss={loss.item():.10e}")
    say("output weight", model[1].weight)


@check
def streams_events():
    g = generator(9)
    a = torch.randn(1 << 20, device="cuda", generator=g)
    s1, s2 = torch.cuda.Stream(), torch.cuda.Stream()
    e1 = torch.cuda.Event(enable_timing=True)
    with torch.cuda.stream(s1):
        b = a * 2 + 1
        e1.record()
    s2.wait_event(e1)
    with torch.cuda.stream(s2):
        c = b.sin()
        e2 = torch.cuda.Event()
        e2.record()
    e2.synchronize()
    print(f"  event queries: e1={e1.query()} e2={e2.query()} stream2 idle={s2.query()}")
    torch.cuda.current_stream().wait_stream(s2)
    say("two streams", c)
    torch.cuda.synchronize()


@check
def cuda_graph():
    g = generator(10)
    static_in = torch.randn(4096, device="cuda", generator=g)
    weight = torch.randn(4096, device="cuda", generator=g)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):  # warm-up, as PyTorch asks before capture
            out = (static_in * weight).relu().cumsum(0)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = (static_in * weight).relu().cumsum(0)
    results = []
    for i in range(4):
        static_in.copy_(torch.full((4096,), float(i) - 1.5, device="cuda"))
        graph.replay()
        results.append(static_out.clone())
    say("graph replays", torch.stack(results))


@check
def compiled():
    def f(x, y):
        return torch.sin(x) * y + torch.cos(y).square()
    compiled_f = torch.compile(f)
    g = generator(11)
    x = torch.randn(10_000, device="cuda", generator=g)
    y = torch.randn(10_000, device="cuda", generator=g)
    say("torch.compile", compiled_f(x, y))
    print(f"  eager and compiled close: {torch.allclose(compiled_f(x, y), f(x, y), atol=1e-5)}")


@check
def pinned_copies():
    host = torch.arange(1 << 22, dtype=torch.float32).pin_memory()
    print(f"  pinned={host.is_pinned()}")
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        dev = host.to("cuda", non_blocking=True)
        dev.mul_(3)
        back = torch.empty_like(host).pin_memory()
        back.copy_(dev, non_blocking=True)
    stream.synchronize()
    say("pinned round trip", back)


@check
def large_allocations():
    for gib in (1, 8, 20):
        t = torch.empty(gib << 28, dtype=torch.float32, device="cuda")  # gib GiB
        t[:: 1 << 20].fill_(gib)
        print(f"  {gib} GiB: sum of marks={t[:: 1 << 20].sum().item():.1f} "
              f"allocated={torch.cuda.memory_allocated()}")
        del t
    torch.cuda.empty_cache()
    print(f"  after empty_cache: reserved={torch.cuda.memory_reserved()}")


@check
def expandable():
    """Run with PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True (the driver's VMM API)."""
    g = generator(12)
    tensors = [torch.randn(1 << 18 + i, device="cuda", generator=g) for i in range(6)]
    for i, t in enumerate(tensors):
        say(f"segment {i}", t)
    big = torch.empty(3 << 28, device="cuda")
    big.fill_(2.0)
    print(f"  3 GiB fill: sum of marks={big[:: 1 << 20].sum().item():.1f}")
    del big, tensors
    torch.cuda.empty_cache()
    print(f"  after empty_cache: reserved={torch.cuda.memory_reserved()}")


def main(names):
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    names = names or [n for n in CHECKS if n != "expandable"]
    failed = 0
    for name in names:
        print(f"check {name}", flush=True)
        try:
            CHECKS[name]()
            torch.cuda.synchronize()
        except Exception as error:  # the next check still runs; the diff shows this one
            failed += 1
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            print(f"  FAILED {type(error).__name__}: {first}", flush=True)
            traceback.print_exc(file=sys.stderr)
    print(f"checks {len(names)}, failed {failed}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
