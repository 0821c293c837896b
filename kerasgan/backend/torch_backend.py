"""PyTorch implementations of the backend-specific operations.

Keras's PyTorch trainer calls a stateful `train_step(data)` eagerly, as on
TensorFlow. Gradients come from `torch.autograd.grad` for exactly the
variables being trained (the other network's parameters accumulate nothing),
and gradients with respect to inputs keep their graph (`create_graph=True`) so
a penalty built on them can be minimised.
"""

from __future__ import annotations

import torch


def gradient_step(loss_fn, variables, optimizer, after=()):
    # `after` orders TensorFlow graph ops; eager PyTorch runs in order.
    del after
    variables = list(variables)
    with torch.enable_grad():
        loss, logs = loss_fn()
        scaled = optimizer.scale_loss(loss)
        params = [v.value for v in variables]
        grads = torch.autograd.grad(scaled, params, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
    with torch.no_grad():
        optimizer.apply(grads, variables)
    # Detached: logs and losses are reported, not differentiated further.
    loss = loss.detach()
    logs = {k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in logs.items()}
    return loss, logs, None


def input_gradients(fn, inputs):
    with torch.enable_grad():
        x = inputs
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        outputs = fn(x)
        total = outputs.to(torch.float32).sum()
        (grads,) = torch.autograd.grad(total, x, create_graph=True)
    return grads
