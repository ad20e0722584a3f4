"""What a training loop sees when its GPU server goes away (issue 11, point 5): it trains until a CUDA call
fails, then prints how long after the last good step the failure arrived, and exits 3. Prints READY after
20 steps, so that the test knows when to kill the server or its worker. Never expected to finish: a loop
still running after 600 steps past READY prints STILL RUNNING and exits 4 (the kill did not reach it)."""
import sys
import time

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
data = torch.randn(64, 512, device="cuda")
target = torch.randint(0, 10, (64,), device="cuda")
last_good = time.monotonic()
step = 0
try:
    while True:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        value = loss.item()  # waits for the step: a lost server shows here
        last_good = time.monotonic()
        step += 1
        if step == 20:
            print("READY", flush=True)
        if step > 20:
            time.sleep(0.01)
        if step > 620:
            print("STILL RUNNING at step %d (loss %.4f)" % (step, value), flush=True)
            sys.exit(4)
except RuntimeError as error:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    print("LOST after %.1f s at step %d: %s" % (time.monotonic() - last_good, step, first), flush=True)
    sys.exit(3)
