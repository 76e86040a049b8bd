#!/usr/bin/env python3
"""PyTorch reference for `scribbleseg bench backbone` and `scribbleseg bench train-step`.

Runs the same work as the Java benchmark, on the same shapes and thread count, with random weights of the real
shapes, and prints one JSON line: {"median_ms": ..., "min_ms": ..., "peak_rss_mb": ..., "attention": ...}.

  forward:    DINOv2 ViT-S/14 (or B/14) forward at --size (no grad), x_norm = final LayerNorm of all tokens
  train-step: forward, loss = sum(last hidden state * R) with a fixed random R, full backward, AdamW over all
              parameters (torch.optim.AdamW, foreach=False: the single-tensor CPU default), zero_grad(set_to_none)
              models: dinov2-small (ViT-S/14: last hidden = x_norm after the final LayerNorm)
                      clip-b16 (CLIP ViT-B/16 vision tower: last hidden = output of the last block, before
                      post_layernorm; QuickGELU, LayerNorm eps 1e-5, pre_layrnorm)

Attention: F.scaled_dot_product_attention when torch has it (PyTorch >= 2.0, its default path) unless
--attention plain; torch 1.13 (Debian's python3-torch) has no SDPA, so there it is always the plain
softmax(q k^T * d^-0.5) v path, and the output says "attention": "plain".

Usage: python3 bench/torch_reference.py --mode train-step --model dinov2-small --size 224 --batch 2 --threads 2
Needs only torch (no torchvision, no network). The Java command runs this itself with --compare-torch.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


class Block(nn.Module):
    def __init__(self, c, heads, mlp, eps, act, layer_scale, attention):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(c, eps=eps)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.norm2 = nn.LayerNorm(c, eps=eps)
        self.fc1 = nn.Linear(c, mlp)
        self.fc2 = nn.Linear(mlp, c)
        self.act = act
        self.ls1 = nn.Parameter(torch.ones(c)) if layer_scale else None
        self.ls2 = nn.Parameter(torch.ones(c)) if layer_scale else None
        self.attention = attention

    def attn(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if self.attention == "sdpa":
            o = F.scaled_dot_product_attention(q, k, v)
        else:
            q = q * (c // self.heads) ** -0.5
            o = (q @ k.transpose(-2, -1)).softmax(dim=-1) @ v
        return self.proj(o.transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        a = self.attn(self.norm1(x))
        x = x + (a * self.ls1 if self.ls1 is not None else a)
        f = self.fc2(self.act(self.fc1(self.norm2(x))))
        return x + (f * self.ls2 if self.ls2 is not None else f)


def peak_rss_mb():
    """VmHWM of this process: ru_maxrss would include the parent's peak (Linux keeps it across exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def interpolate_table(table, gh, gw, offset):
    """Row 0 kept, the square grid resized bicubically (DINOv2: +offset scale factor; CLIP: output size)."""
    n = table.shape[0] - 1
    m = int(math.sqrt(n))
    if gh == m and gw == m:
        return table
    grid = table[1:].reshape(1, m, m, -1).permute(0, 3, 1, 2)
    if offset is not None:
        grid = F.interpolate(grid, scale_factor=((gh + offset) / m, (gw + offset) / m), mode="bicubic",
                             align_corners=False)
    else:
        grid = F.interpolate(grid, size=(gh, gw), mode="bicubic", align_corners=False)
    return torch.cat([table[:1], grid.permute(0, 2, 3, 1).reshape(gh * gw, -1)], 0)


class Vit(nn.Module):
    def __init__(self, c, layers, heads, mlp, patch, grid, eps, act, layer_scale, patch_bias, pre_norm, final_norm,
                 offset, attention):
        super().__init__()
        self.patch = patch
        self.offset = offset
        self.patch_embed = nn.Conv2d(3, c, patch, patch, bias=patch_bias)
        self.cls = nn.Parameter(torch.randn(1, 1, c) * 0.02)
        self.pos = nn.Parameter(torch.randn(1 + grid * grid, c) * 0.02)
        self.pre = nn.LayerNorm(c, eps=eps) if pre_norm else None
        self.blocks = nn.ModuleList(Block(c, heads, mlp, eps, act, layer_scale, attention) for _ in range(layers))
        self.norm = nn.LayerNorm(c, eps=eps) if final_norm else None

    def forward(self, x):
        b, _, h, w = x.shape
        t = self.patch_embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(b, -1, -1), t], 1)
        t = t + interpolate_table(self.pos, h // self.patch, w // self.patch, self.offset)
        if self.pre is not None:
            t = self.pre(t)
        for blk in self.blocks:
            t = blk(t)
        return self.norm(t) if self.norm is not None else t


def build(model, attention):
    if model in ("dinov2-small", "dinov2-base"):
        c, heads = (384, 6) if model == "dinov2-small" else (768, 12)
        return Vit(c, 12, heads, 4 * c, 14, 37, 1e-6, F.gelu, True, True, False, True, 0.1, attention)
    if model == "clip-b16":
        # vision tower up to the last block's output (HF last_hidden_state); post_layernorm / projection unused
        return Vit(768, 12, 12, 3072, 16, 14, 1e-5, quick_gelu, False, False, True, False, None, attention)
    raise SystemExit("unknown model " + model)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["forward", "train-step"], required=True)
    ap.add_argument("--model", default="dinov2-small")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--attention", choices=["default", "plain"], default="default")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    attention = "sdpa" if HAS_SDPA and a.attention == "default" else "plain"
    torch.manual_seed(0)
    net = build(a.model, attention)
    x = torch.randn(a.batch, 3, a.size, a.size)
    times = []
    if a.mode == "forward":
        net.eval()
        with torch.no_grad():
            for r in range(a.runs + 1):
                t0 = time.perf_counter()
                out = net(x)
                out.sum().item()
                if r > 0:
                    times.append(time.perf_counter() - t0)
    else:
        net.train()
        with torch.no_grad():
            r_cot = torch.randn_like(net(x))
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01, foreach=False)
        for r in range(a.runs + 1):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = (net(x) * r_cot).sum()
            loss.backward()
            opt.step()
            loss.item()
            if r > 0:
                times.append(time.perf_counter() - t0)
    print(json.dumps({
        "mode": a.mode, "model": a.model, "size": a.size, "batch": a.batch, "runs": a.runs,
        "median_ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3,
        "peak_rss_mb": peak_rss_mb(),
        "threads": torch.get_num_threads(), "attention": attention, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
