"""torch.nn.RNN/LSTM/GRU constructor arguments as safetensors metadata, both ways.

The fixture script (torch_fixtures.py) writes a module's constructor
arguments into a file's __metadata__ with ctor_metadata; the check script
(check_rnn_export.py) rebuilds the module from such metadata with
from_metadata, which builds it with new_module, the one constructor by
mode that the cross-check scripts use too. Metadata values are strings, as safetensors requires;
booleans are spelt as Python prints them ("True", "False").

Keys: input_size, hidden_size, num_layers, bias, batch_first,
bidirectional, and per mode:
  mode           "RNN_TANH", "RNN_RELU", "LSTM" or "GRU" (torch's own
                 RNNBase.mode names); written for LSTM and GRU only, since
                 the older nn.RNN fixtures predate it
  nonlinearity   "tanh" or "relu" (nn.RNN only)
  proj_size      LSTM and GRU ("0" unless an LSTM has a projection)
"""

from torch import nn


def ctor_metadata(m):
    """The constructor arguments of m (nn.RNN, nn.LSTM or nn.GRU) as strings."""
    meta = {
        "input_size": str(m.input_size),
        "hidden_size": str(m.hidden_size),
        "num_layers": str(m.num_layers),
    }
    if isinstance(m, nn.RNN):
        meta["nonlinearity"] = m.nonlinearity
    meta["bias"] = str(m.bias)
    meta["batch_first"] = str(m.batch_first)
    meta["bidirectional"] = str(m.bidirectional)
    if not isinstance(m, nn.RNN):
        meta["mode"] = m.mode
        meta["proj_size"] = str(m.proj_size)
    return meta


def new_module(mode, proj_size=0, **kw):
    """A fresh torch module for mode: nn.LSTM (with proj_size), nn.GRU, or
    nn.RNN with the nonlinearity that RNN_TANH or RNN_RELU names, built
    with the other constructor arguments kw. proj_size is ignored but for
    an LSTM."""
    if mode == "LSTM":
        return nn.LSTM(proj_size=proj_size, **kw)
    if mode == "GRU":
        return nn.GRU(**kw)
    if mode in ("RNN_TANH", "RNN_RELU"):
        return nn.RNN(nonlinearity=mode[len("RNN_"):].lower(), **kw)
    raise ValueError(f"mode={mode!r}: want RNN_TANH, RNN_RELU, LSTM or GRU")


def _bool(meta, key, default):
    v = meta.get(key)
    if v is None:
        return default
    if v not in ("True", "False"):
        raise ValueError(f"metadata {key}={v!r}: want True or False")
    return v == "True"


def from_metadata(meta):
    """A fresh module with the constructor arguments in meta.

    mode selects the class (RNN_TANH or RNN_RELU mean nn.RNN with that
    nonlinearity; without mode, nonlinearity alone means nn.RNN). The
    sizes and num_layers are required; bias, batch_first and bidirectional
    default as in torch; proj_size defaults to 0.
    """
    mode = meta.get("mode")
    if mode is None:
        mode = "RNN_RELU" if meta.get("nonlinearity") == "relu" else "RNN_TANH"
    kw = dict(input_size=int(meta["input_size"]), hidden_size=int(meta["hidden_size"]),
              num_layers=int(meta["num_layers"]), bias=_bool(meta, "bias", True),
              batch_first=_bool(meta, "batch_first", False),
              bidirectional=_bool(meta, "bidirectional", False))
    proj_size = int(meta.get("proj_size", "0"))
    if mode != "LSTM" and proj_size != 0:
        raise ValueError(f"metadata proj_size={meta['proj_size']} with mode {mode}: only an LSTM projects")
    if mode not in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"):
        raise ValueError(f"metadata mode={mode!r}: want RNN_TANH, RNN_RELU, LSTM or GRU")
    return new_module(mode, proj_size, **kw)
