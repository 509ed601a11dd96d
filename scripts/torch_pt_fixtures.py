#!/usr/bin/python3
"""Writes torch.save checkpoints (.pt) beside the safetensors fixtures.

Run by hand from the repository root, after scripts/torch_fixtures.py,
with Debian's torch (1.13):

    /usr/bin/python3 scripts/torch_pt_fixtures.py

Each checkpoint holds the same weights as an existing fixture NAME.safetensors
under testdata/torch/, loaded into the torch module and saved again with
torch.save (the zip format), so that the Go tests can require the two files
to load into identical models, bit for bit. CI never runs this.

  lstm_proj.pt       nn.LSTM, 2 layers, bidirectional, proj_size: state_dict()
  gru_bidir.pt       nn.GRU, 2 layers, bidirectional: state_dict(keep_vars=True),
                     so that its tensors are pickled as nn.Parameters
  rnn_bidir_tanh.pt  nn.RNN (Elman), 2 layers, bidirectional
  lstm_f16.pt        nn.LSTM with proj_size, .half(): float16 storages
  lstm_stacked_views.pt  lstm_stacked's state_dict with every tensor a view
                     of one shared storage, at its own offset, and
                     weight_hh_l1 a transposed (non-contiguous) view
  lm.pt              rnn's LM fixture (Embedding, RNN, Linear), as a plain dict
  mha_causal.pt      nn.MultiheadAttention
  enc_post_relu.pt   nn.TransformerEncoder (2 post-norm relu layers, final norm)
  transformer_whole.pt  nn.Transformer (pre-norm gelu layers, layer_norm_eps
                     1e-4: constructor arguments a checkpoint does not say)
  views.pt           internal/weights' own: a tensor and its tied twin (one
                     storage), a transposed view, a slice at an offset, a
                     float16, a bfloat16, a float64 tensor and an int64
                     buffer; views.safetensors holds the same tensors,
                     contiguous, in the same dtypes
  legacy.pt          a tiny state_dict in the legacy format
                     (_use_new_zipfile_serialization=False)
  empty_views.pt     two empty tensors viewing one storage as float32 and
                     as int32, and a float32 one: torch.save compares the
                     dtypes of tensors that share data only for allocated
                     storages, so both persistent IDs name storage "0",
                     as FloatStorage and as IntStorage (torch.load gives
                     both float32, the storage's first type)

Legacy-format twins (torch.save(..., _use_new_zipfile_serialization=False),
the format of torch before 1.6), NAME_legacy.pt of the same object as
NAME.pt, for the Go tests to require the same tensors as from
NAME.safetensors:

  lstm_proj_legacy.pt           float32
  gru_bidir_legacy.pt           nn.Parameters (keep_vars=True)
  lstm_f16_legacy.pt            float16, pickle_protocol=4 (framed pickles)
  lstm_stacked_views_legacy.pt  one shared storage, views at offsets, a
                                transposed view
  lm_legacy.pt                  a plain dict, pickle_protocol=1
  views_legacy.pt               views.pt's tensors: tied, transposed, sliced,
                                float16, bfloat16, float64, int64 scalar
  empty_views_legacy.pt         empty_views.pt's tensors
"""

import collections
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import save_file, load_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch")


def loaded(name, module):
    """module with the weights of NAME.safetensors."""
    state, _ = load_file(os.path.join(OUT, name + ".safetensors"))
    module.load_state_dict(state, strict=True)
    return module


# LEGACY names the checkpoints that get a legacy-format twin, with its
# pickle protocol.
LEGACY = {"lstm_proj": 2, "gru_bidir": 2, "lstm_f16": 4, "lstm_stacked_views": 2, "lm": 1, "views": 2,
          "empty_views": 2}


def save(name, obj):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path)
    if name in LEGACY:
        twin = os.path.join(OUT, name + "_legacy.pt")
        torch.save(obj, twin, _use_new_zipfile_serialization=False, pickle_protocol=LEGACY[name])
        with open(twin, "rb") as f:
            assert f.read(2) != b"PK", twin
        a, b = torch.load(path), torch.load(twin)
        same({k: v.detach() for k, v in a.items()}, {k: v.detach() for k, v in b.items()})
    return path


def same(a, b):
    """a and b hold the same names, dtypes, shapes and bits."""
    assert list(a) == list(b), (list(a), list(b))
    for k in a:
        x, y = a[k], b[k]
        assert x.dtype == y.dtype and x.shape == y.shape, k
        assert torch.equal(x.contiguous().view(torch.uint8) if x.dim() else x.reshape(1).view(torch.uint8),
                           y.contiguous().view(torch.uint8) if y.dim() else y.reshape(1).view(torch.uint8)), k


def module_fixture(name, module, keep_vars=False):
    m = loaded(name, module)
    state = m.state_dict(keep_vars=keep_vars)
    path = save(name, state)
    same({k: v.detach() for k, v in state.items()}, torch.load(path))


def lstm_stacked_views():
    """lstm_stacked's tensors as views of one storage: each at its own
    offset, weight_hh_l1 stored transposed and viewed back (.t())."""
    state, _ = load_file(os.path.join(OUT, "lstm_stacked.safetensors"))
    parts, layout = [], []
    off = 0
    for k, v in state.items():
        stored = v.t().contiguous() if k == "weight_hh_l1" else v
        parts.append(stored.reshape(-1))
        layout.append((k, off, stored.shape))
        off += stored.numel()
    flat = torch.cat(parts)
    views = collections.OrderedDict()
    for k, o, shape in layout:
        t = flat[o:o + torch.Size(shape).numel()].view(shape)
        views[k] = t.t() if k == "weight_hh_l1" else t
    assert not views["weight_hh_l1"].is_contiguous()
    path = save("lstm_stacked_views", views)
    for p in (path, path.replace(".pt", "_legacy.pt")):
        back = torch.load(p)
        same(state, back)
        assert back["weight_hh_l1"].storage().data_ptr() == back["bias_hh_l0"].storage().data_ptr()


def views():
    torch.manual_seed(20261207)
    a = torch.randn(3, 4)
    base = torch.randn(5, 2)
    row = torch.randn(10)
    d = collections.OrderedDict()
    d["a"] = a
    d["a_tied"] = a  # one storage, one tensor, two names
    d["b_t"] = base.t()  # 2×5, strides (1, 2)
    d["c_slice"] = row[3:7]  # offset 3
    d["h"] = torch.randn(2, 3).half()
    d["bf"] = torch.randn(3).bfloat16()
    d["f64"] = torch.randn(2, 2, dtype=torch.float64)
    d["scalar"] = torch.tensor(2.5)
    d["num_batches_tracked"] = torch.tensor(7)  # int64, as BatchNorm's buffer
    path = save("views", d)
    back = torch.load(path)
    same(d, back)
    save_file({k: v.contiguous() for k, v in d.items()}, os.path.join(OUT, "views.safetensors"))


def empty_views():
    a = torch.empty(0)
    d = collections.OrderedDict(a=a, b=a.view(torch.int32), w=torch.ones(3))
    path = save("empty_views", d)
    for p in (path, path.replace(".pt", "_legacy.pt")):
        back = torch.load(p)
        assert [back[k].dtype for k in d] == [torch.float32] * 3, p


def legacy():
    path = os.path.join(OUT, "legacy.pt")
    torch.save(collections.OrderedDict(w=torch.ones(2)), path, _use_new_zipfile_serialization=False)


def main():
    module_fixture("lstm_proj", nn.LSTM(3, 6, proj_size=4, num_layers=2, bidirectional=True))
    module_fixture("gru_bidir", nn.GRU(4, 3, num_layers=2, bidirectional=True), keep_vars=True)
    module_fixture("rnn_bidir_tanh", nn.RNN(3, 4, num_layers=2, bidirectional=True))
    module_fixture("lstm_f16", nn.LSTM(4, 5, proj_size=3, num_layers=2).half())
    module_fixture("mha_causal", nn.MultiheadAttention(8, 2))
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    module_fixture("enc_post_relu", nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16), enable_nested_tensor=False))
    module_fixture("transformer_whole", nn.Transformer(12, 3, num_encoder_layers=1, num_decoder_layers=2,
                                                       dim_feedforward=10, dropout=0.0, activation="gelu",
                                                       layer_norm_eps=1e-4, batch_first=True, norm_first=True))
    lm, _ = load_file(os.path.join(OUT, "lm.safetensors"))
    save("lm", lm)
    same(lm, torch.load(os.path.join(OUT, "lm.pt")))
    lstm_stacked_views()
    views()
    empty_views()
    legacy()
    names = [f for f in os.listdir(OUT) if f.endswith(".pt")]
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in names)
    print(f"wrote {len(names)} checkpoints, {total} bytes")
    assert total < 256 << 10


if __name__ == "__main__":
    main()
