#!/usr/bin/python3
"""Writes the torch.save files that are not a bare state_dict, for
internal/weights' tests, into testdata/torch/.

Run by hand from the repository root with Debian's torch (1.13); CI never
runs it:

    /usr/bin/python3 scripts/torch_pt_checkpoints.py

  ckpt_model.pt      a training checkpoint, {"model": state_dict, "epoch": 3,
                     "optimizer": Adam's state_dict, "loss": 0.25}, of a
                     tiny nn.LSTM; ckpt_model.safetensors holds its
                     state_dict, which Open reads from the checkpoint
  ckpt_two.pt        a dict holding that state_dict under both "model" and
                     "state_dict" (two dicts): refused, as which to load is
                     not guessed
  ckpt_args.pt       a training checkpoint that also holds the run's
                     argparse.Namespace: refused, naming the class, as an
                     object inside the checkpoint (not a whole module)
  proto1.pt          the state_dict saved with pickle_protocol=1, which
                     writes booleans as INT opcodes ("I01\n"); Open reads it
  proto0.pt          the same with pickle_protocol=0, whose text pickle
                     torch.load does not read back: refused, saying so
  whole_module.pt    torch.save(model) of the whole nn.LSTM: refused (its
                     pickle names the class, which only Python can rebuild)
  torchscript.pt     torch.jit.save of a scripted nn.Linear: refused
  ckpt_model_legacy.pt   ckpt_model.pt's dict in the legacy format
                     (_use_new_zipfile_serialization=False), whose storages
                     the model's state_dict does not use (Adam's) are skipped
  whole_module_legacy.pt torch.save of a whole nn.Linear in the legacy
                     format: refused (its persistent IDs name the class)
  cuda_location.pt   the tiny nn.LSTM's state_dict with every storage's
                     location string "cuda:0", as torch.save writes it for
                     tensors on the GPU (torch.serialization.location_tag
                     patched, so that no GPU is needed): the bytes are in
                     the file all the same, and Open reads them
"""

import argparse
import collections
import os
import sys

import torch
from torch import nn
import torch.serialization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch")


def path(name):
    return os.path.join(OUT, name)


def main():
    torch.manual_seed(7)
    m = nn.LSTM(2, 3)
    sd = m.state_dict()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    out, _ = m(torch.randn(4, 1, 2))
    out.sum().backward()
    opt.step()
    sd = m.state_dict()
    save_file({k: v.contiguous() for k, v in sd.items()}, path("ckpt_model.safetensors"))
    ckpt = {"model": sd, "epoch": 3, "optimizer": opt.state_dict(), "loss": 0.25}
    torch.save(ckpt, path("ckpt_model.pt"))
    torch.save(ckpt, path("ckpt_model_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(nn.Linear(2, 1), path("whole_module_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"model": sd, "state_dict": collections.OrderedDict(sd), "epoch": 3}, path("ckpt_two.pt"))
    torch.save({"model": sd, "args": argparse.Namespace(lr=1e-3, epochs=3)}, path("ckpt_args.pt"))
    torch.save(sd, path("proto1.pt"), pickle_protocol=1)
    torch.save(sd, path("proto0.pt"), pickle_protocol=0)
    torch.save(m, path("whole_module.pt"))
    torch.jit.save(torch.jit.script(nn.Linear(2, 1)), path("torchscript.pt"))
    tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(sd, path("cuda_location.pt"))
    finally:
        torch.serialization.location_tag = tag
    assert torch.load(path("cuda_location.pt"), map_location="cpu").keys() == sd.keys()


if __name__ == "__main__":
    main()
