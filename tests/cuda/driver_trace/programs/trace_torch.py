# A few PyTorch operations, for the driver trace.
import torch
x = torch.randn(512, 512, device="cuda")
y = x @ x
c = torch.nn.functional.conv2d(torch.randn(8, 3, 32, 32, device="cuda"), torch.randn(16, 3, 3, 3, device="cuda"))
print("torch", round(float(y.sum().item()), 0) != 0, tuple(c.shape))
