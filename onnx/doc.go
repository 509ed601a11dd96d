// Package onnx reads ONNX models and runs their graphs on simdcore's
// kernels, in pure Go (no cgo, no ONNX Runtime).
//
// # Reading
//
// Parse (or ReadFile) decodes a serialized ModelProto with the protobuf wire
// format alone (google.golang.org/protobuf/encoding/protowire; no generated
// code): the IR version, opset imports, producer and metadata, and the graph
// with its nodes, attributes of every type (FLOAT, INT, STRING, TENSOR,
// GRAPH, FLOATS, INTS, STRINGS, TENSORS, GRAPHS; subgraphs parsed
// recursively), initializers, inputs, outputs and value_info with their
// shapes (fixed and symbolic dimensions). ParseTensor (ReadTensorFile)
// decodes a TensorProto, such as the .pb files of ONNX's test data sets.
// Tensor values come from raw_data or the typed fields: FLOAT, FLOAT16 and
// BFLOAT16 become float32 (exactly), the integer types and BOOL int64,
// DOUBLE float64, STRING bytes; other types are refused.
//
// The reader is meant for files from anywhere. Every error wraps a sentinel
// (ErrFormat, ErrUnsupported, ErrLimit) with what it concerns (the node,
// tensor, attribute or field); it never panics. Unknown fields are skipped,
// as protobuf requires. A tensor's data must fill its dims exactly and is
// checked against the bytes present before anything is allocated, so a
// small file cannot make the reader allocate much more than its own size;
// subgraphs and types nest at most 64 deep. Tensors stored in external files
// are refused (ErrUnsupported, naming the file), as are sparse tensors.
// FuzzParse and FuzzParseTensor fuzz it.
//
// # Running
//
// NewSession plans a model's graph for fixed input shapes: it propagates
// types and shapes, folds everything known while planning (initializers,
// constants, and the shape arithmetic of Shape, Gather, Concat, … that
// depends only on the input shapes), orders the remaining nodes
// topologically and allocates every buffer once. Session.Run then computes
// the outputs without allocating. Inputs whose values are fixed for the
// session (Options.Fixed) are folded too. Folding is bounded by its work,
// not only by the elements it allocates: each folded node takes its
// estimated work (multiply-adds for MatMul, Gemm, Conv, Einsum, the
// recurrent and pooling operators; iterations times the body's work for
// Loop and Scan; elements read and written otherwise) from a budget of
// 2^28 per session plus 16 per element of the tensors the file holds, and
// a node beyond what is left runs at Run instead, with the same values, so
// that a few hundred bytes of products of large constants do not make
// NewSession compute for minutes. Nodes of at most 1024 (shape arithmetic)
// always fold; ordinary exports fold entirely (the committed fixtures use
// at most 788,498).
//
// The operators of the default domain, at every opset version up to 22
// (Operators lists them):
//
//   - arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow, Mod
//     (fmod 0 with the divisor's sign, as numpy, or 1 as C; an integer
//     remainder by zero is ErrInput) on FLOAT and the integer types; Neg,
//     Abs, Sqrt, Log, Exp, Reciprocal, Floor, Ceil; Sin, Cos, Tan, Asin,
//     Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh (in float64); Relu,
//     Sigmoid, Tanh, Gelu (exact or tanh, simdcore's kernels), LeakyRelu,
//     PRelu, Elu, Celu, Selu, HardSigmoid, HardSwish, Softplus, Softsign,
//     Mish, ThresholdedRelu, Shrink, Sign, Erf, Clip (Neg, Abs, Sign, Relu
//     since opset 14 and Clip since opset 12 also of the integer types);
//     Max, Min, Sum and Mean of any number of inputs; CumSum (exclusive,
//     reverse);
//   - comparison and logic: Equal, Less, Greater, LessOrEqual,
//     GreaterOrEqual, And, Or, Xor, Not, Where, IsNaN, IsInf (also of a
//     Cast to DOUBLE that nothing else reads, which is how
//     torch.onnx.export writes torch.isinf: the test runs on the FLOAT
//     input, with the same answers);
//   - types, shapes and data movement: Cast, CastLike (to FLOAT16
//     rounding to nearest even; also from BFLOAT16: weights stored at half
//     size in an initializer or a Constant and cast to FLOAT), Constant, ConstantOfShape, Shape, Size, Identity, Reshape, Flatten, Squeeze,
//     Unsqueeze, Transpose, Expand, Tile, Concat, Split, Slice, Gather,
//     GatherElements, GatherND (batch_dims), ScatterND, ScatterElements
//     and Scatter (reductions add, mul, max, min; indices checked at run
//     time), OneHot (depth known while planning), Range (its inputs known
//     while planning: the output's length depends on them), DepthToSpace
//     (DCR, CRD), SpaceToDepth, Pad (constant, reflect, edge, wrap),
//     Trilu, ReverseSequence, EyeLike, BitShift (unsigned types), NonZero
//     and Compress (their input and condition known while planning: the
//     output's shape depends on them), Dropout (the identity; training
//     mode with a ratio is refused);
//   - spectra, for features computed in the graph: DFT (real or complex,
//     forward or inverse, onesided, dft_length) and STFT (frames in place,
//     a window folded into the transform), each one kernel.Gemm by a
//     cos/sin matrix built and packed while planning; HannWindow,
//     HammingWindow, BlackmanWindow, MelWeightMatrix (sizes known while
//     planning);
//   - resampling: Resize (nearest with each nearest_mode, N-D linear and
//     cubic with cubic_coeff_a and exclude_outside, antialias; every
//     coordinate_transformation_mode, tf_crop_and_resize included; axes
//     and keep_aspect_ratio_policy; scales or sizes known while
//     planning) and the older Upsample; GridSample (bilinear, nearest,
//     bicubic; zeros, border, reflection padding; align_corners; two
//     spatial dimensions);
//   - reductions and products: ReduceMean, ReduceSum, ReduceMax,
//     ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare,
//     ReduceLogSum, ReduceLogSumExp (accumulated in float64), ArgMax,
//     ArgMin, TopK (largest or smallest, ties to the lower index, NaN
//     above every number), Softmax, LogSoftmax, Hardmax, MatMul, Gemm, Einsum (any
//     equation: ellipsis, diagonals, implicit output, several operands,
//     contracted by kernel.Gemm), LayerNormalization, BatchNormalization
//     (inference, and training_mode with its running statistics),
//     InstanceNormalization, GroupNormalization, MeanVarianceNormalization,
//     LRN, Det (LU in float64);
//   - convolution and pooling: Conv of 1 to 8 spatial dimensions, with
//     groups, strides, dilations, pads or auto_pad and a bias;
//     ConvTranspose over the same (output_padding, output_shape); MaxPool
//     (with its Indices, either storage order; from opset 12 also of int8
//     and uint8) and AveragePool over the
//     same windows, with ceil_mode and count_include_pad; GlobalMaxPool
//     and GlobalAveragePool;
//   - quantized models (ONNX Runtime's dynamic and QDQ quantization):
//     QuantizeLinear and DequantizeLinear (per tensor, per axis, or per
//     block with opset 21's block_size; int8, uint8, int32, and from opset
//     21 int16 and uint16 and QuantizeLinear's output_dtype; FLOAT16
//     scales as FLOAT16 data below; float8 and int4 are refused), DynamicQuantizeLinear, MatMulInteger and ConvInteger
//     (exact int32 sums; zero points per tensor, per row of A and column
//     of B, or per matrix of a batch), QLinearMatMul and QLinearConv, Round;
//   - recurrent layers: RNN, LSTM and GRU, run by package rnn (forward,
//     reverse and bidirectional, layouts 0 and 1, initial states; weights
//     that are graph inputs are reloaded at every Run; sequence_lens, each
//     sequence over its own length). GRU's linear_before_reset=0, LSTM
//     peepholes, clip and input_forget are rnn's cell variants
//     (rnn.Config.ResetBefore, Peepholes, Clip, InputForget); activations
//     other than the defaults are refused, except an RNN's Tanh, Relu or
//     Sigmoid, the same in both directions;
//   - control flow: If, whose branches read values of the enclosing graph;
//     a condition known while planning selects one branch, otherwise both
//     are planned and Run executes the one selected. Loop: its body is
//     planned once for its carried values' shapes, which must not change
//     from one iteration to the next (an optional may be emptied or
//     filled), and Run repeats its steps (trip count and condition may
//     come at run time); a Loop whose carried values change shape or
//     length (a list built in the loop, a tensor grown by Concat) is
//     unrolled while planning for a trip count known then (at most 4096
//     iterations and 1<<17 body nodes in a plan). Scan outputs are
//     tensors and need the trip count while planning, and a loop whose
//     condition ends it before that count fails at Run (ErrInput). One run of a Loop takes at most
//     Options.MaxIterations iterations (default 1<<20; ErrLimit beyond),
//     so a file whose loop never ends does not hang Run. Loops and Scans
//     whose inputs are known while planning run then, within the fold
//     budget (see Running: iterations times the larger of the body's work
//     and its elements; the rest run at Run), so that a small file does
//     not hang NewSession either. Scan (opset 8's
//     batched form, and 9 on with scan_input_axes, scan_output_axes and
//     their directions) plans its body once, its trip count from its
//     inputs' shapes;
//   - sequences of tensors inside a graph: SequenceEmpty,
//     SequenceConstruct, SequenceInsert, SequenceErase, SequenceAt,
//     SequenceLength, SplitToSequence, ConcatFromSequence, and Identity
//     and Loop's carried values. A sequence's length and its elements'
//     shapes are fixed while planning, as a tensor's shape is, so positions
//     and split sizes must be known then (SequenceAt's may come at run
//     time when the elements share one shape). A graph input that is a
//     sequence takes its elements' shapes from Options.SequenceShapes and
//     its values through Session.InputSequence; a sequence output is read
//     through Session.OutputSequence; CheckDataSet reads SequenceProto
//     files for them. If's branches may give sequences of one shape;
//   - optionals of a tensor or a sequence: Optional, OptionalHasElement,
//     OptionalGetElement (from opset 18 on a tensor or a sequence too),
//     Identity, If's outputs and Loop's carried values. Whether one holds
//     a value is folded while planning when known (OptionalHasElement is
//     then a constant) or decided at run time: an If that gives an empty
//     optional in one branch and a full one in the other, or a graph
//     input, which holds its value unless Session.SetInputHasValue says
//     none (its element is planned and filled as a tensor's or a
//     sequence's input). Session.OutputHasValue says whether an optional
//     output holds its value; CheckDataSet reads OptionalProto files.
//
// Operators of ONNX Runtime's com.microsoft domain run for a model that
// imports the domain (MicrosoftOperators lists them): those its static
// quantizer writes in the QOperator format, with ONNX Runtime 1.31's
// steps (its CPU provider on amd64, bit for bit on thousands of random
// graphs; scripts/int8_crosscheck, and the cases under
// testdata/qoperator): QLinearAdd and QLinearMul (int8 or uint8, per
// tensor, broadcasting); QGemm (uint8 by uint8 or int8, int8 by int8,
// transA, transB, alpha, b_scale and b_zero_point per tensor or per
// column, an int32 C, a quantized or a FLOAT output; exact int32 sums,
// where ONNX Runtime's AVX2 kernel saturates some u8×s8 pairs);
// QLinearConcat and QLinearWhere (requantized through 256-entry tables,
// or copied); QLinearSigmoid and QLinearLeakyRelu (tables of MLAS's
// logistic, a rational approximation in fused multiply-adds, and of
// LeakyRelu, computed in float32 and rounded half to even);
// QLinearGlobalAveragePool (MLAS's integer path) and QLinearAveragePool
// (1 to 3 spatial dimensions, strides, pads or auto_pad, ceil_mode,
// count_include_pad, channels_last; MLAS's integer path for a window
// covering X, else the float path); QLinearSoftmax (the opset and axis
// attributes; ONNX Runtime's table and float32 steps, overflow included).
// Where ONNX Runtime's own output is not deterministic or not defined
// (QGemm with K = 0, QGemm's y_scale without y_zero_point), the node is
// refused. ONNX Runtime's CPU provider has no QLinearReduceMean kernel,
// and neither has this package. And DynamicQuantizeLSTM, the LSTM that
// ONNX Runtime's dynamic quantizer writes (int8 W and R, transposed, with
// scales and zero points per direction or per row), its weights
// dequantized to float32 and run as LSTM; on testdata/onnx/ort/dq_lstm it
// stays within 2.2e-3 of the float model where ONNX Runtime, which also
// quantizes the activations, is 0.12 away.
//
// The operators ONNX Runtime's transformer optimizer and its weight
// quantizer write, on float32 (scripts/mscontrib_crosscheck; cases under
// testdata/mscontrib): Gelu (kernel.GELU), BiasGelu (Gelu of A + B),
// FastGelu (kernel.GELUTanh of X, plus an optional bias), QuickGelu
// (x·σ(alpha·x), kernel.Sigmoid); FusedMatMul (MatMul's product with
// transA, transB, transBatchA, transBatchB, alpha); SkipLayerNormalization
// and SkipSimplifiedLayerNormalization (kernel.LayerNorm or kernel.RMSNorm
// of input + skip + bias, with the mean, inv_std_var and
// input_skip_bias_sum outputs); MatMulNBits (2-, 4- and 8-bit weights,
// block sizes 16 to 256, packed or float zero points, g_idx, bias;
// dequantized once while planning and packed as MatMul's weights); and
// SimplifiedLayerNormalization, which ONNX Runtime registers in the
// default domain, there since opset 1. None is bit for
// bit with ONNX Runtime, whose MLAS kernels round otherwise; on 2,500
// random graphs the largest differences, in units of max(1, |ONNX
// Runtime's value|), were 5e-7 for Gelu, BiasGelu, FastGelu, FusedMatMul
// and the simplified norms; 3e-6 for QuickGelu (MLAS's logistic has an
// absolute error near 1e-6 in its tails, where ours is exact to an ulp);
// 1.6e-5 for SkipLayerNormalization on rows whose mean is large against
// their deviation (ONNX Runtime is itself 7e-6 from a float64 evaluation
// there; kernel.LayerNorm subtracts a float64 mean); 1.3e-5 for
// MatMulNBits on 1,470 graphs of 2, 4 and 8 bits (sums over K of up to 512
// terms that cancel; 9.2e-6 at the generic level and 7.7e-6 at NEON on
// 1,150 of them; held to 2e-5). Gelu, BiasGelu and
// FastGelu of −Inf are NaN, as ONNX Runtime's (the kernels' limit is −0).
// One difference is kept: a row whose sum of squares overflows float32
// (elements beyond about 1.8e19) gives ±0 (or β) in ONNX Runtime, whose
// float32 sums overflow, and its true normalisation here (float64 sums).
// MatMulNBits' dequantized weight is (q − zero point)·scale, one
// rounding, and with float zero points or g_idx ONNX Runtime's two
// (q·scale + (−scale·zero point)). With accuracy_level 4 ONNX Runtime
// quantizes A to int8 blocks first (2, 4 and 8 bits) and differs from the
// float product by up to 0.26 in units of max(1, |value|) on 430 random
// graphs; this package always computes the float product (ONNX Runtime's
// other levels). Attention (multi-head self-attention on
// attn.SelfAttention: Q, K, V from one weight matrix, qkv_hidden_sizes,
// scale, mask_index as end positions [B], start and end positions [2B],
// a raw mask [B, T] or [B, S, T], [B, 1] and [1, 1] read as none,
// mask_filter_value, unidirectional; past [2, B, N, P, head] and present
// [2, B, N, P+S, head], GPT-2's decoder state, the queries being positions
// P to P+S−1) is within 4.6e-7 of ONNX Runtime on 1,800 random graphs at
// AVX2 (on 1,500 of them 4.2e-7 at NEON, and 5.0e-6 at the generic level,
// whose Gemm rounds each product before adding it, ACCURACY.md's "Gemm's
// generic sums": held to 1e-5 there), with NaN as ONNX Runtime's for a
// query whose keys a mask_filter_value of −Inf all masks; the 4-D Megatron
// mask (which ONNX Runtime's CPU kernel refuses), attention_bias,
// past_sequence_length, past_present_share_buffer and rotary embeddings
// are refused, and so is past without present, as ONNX Runtime does.
// EmbedLayerNormalization (word, position and segment embeddings summed
// in float32, kernel.LayerNorm, position_ids, mask_index counting the mask
// values equal to 1, embedding_sum; an id outside its table is ErrInput
// from Run) is within 1.6e-5 of ONNX Runtime on 1,150 random graphs (its
// float32 variance, as SkipLayerNormalization's; 994 of 1,000 within
// 5e-7), mask_index bit for bit. MatMulNBits is refused where ONNX
// Runtime 1.31 refuses it (bits other than 2, 4, 8; block sizes above 256;
// float zero points or g_idx with 8 bits) or computes otherwise than the
// operator says (g_idx with 2 bits, which it misreads, or with packed zero
// points, which it ignores), and when its weights are not initializers.
//
// The graphs ONNX Runtime's own optimizer saves
// (SessionOptions.optimizedModelFilePath) at its levels 'basic' and
// 'extended' run too (scripts/ort_optimized: ONNX Runtime 1.31 on torch
// exports of keyword-spotting CNNs, a CRNN, LSTM and GRU nets, a GELU MLP,
// transformer encoder layers and a tiny GPT-style decoder, float and int8;
// testdata/ortopt holds them, within 1.5e-6 of ONNX Runtime for the float
// models and 5e-7 for the int8 ones). Beside the operators above, they
// hold LayerNormalization in graphs of opsets below 17 (ONNX Runtime
// registers it in the default domain since opset 1, and so does this
// package), MaxPool of uint8 between QuantizeLinear and DequantizeLinear
// in QDQ graphs, and three more operators of the com.microsoft domain:
// FusedConv (Conv's kernel.PackedConv, plus its optional Z input, then
// the fused activation: Relu, Tanh, Sigmoid, LeakyRelu, Clip or
// HardSigmoid with its activation_params; within 1.5e-6 of ONNX Runtime on
// random nodes, whose MLAS logistic and tanh are approximations and whose
// sums run in another order, 2e-6 at the generic level), DynamicQuantizeMatMul (A quantized to uint8 as ONNX
// Runtime's kernel does) and MatMulIntegerToFloat (A already quantized,
// where one DynamicQuantizeLinear feeds several products): exact int32
// sums by a 2-D int8 or uint8 B whose scale and zero point are per tensor
// or per column, one float32 scale per column, a bias; bit for bit with
// ONNX Runtime on random nodes where its AVX2 u8×s8 kernel does not
// saturate. ONNX Runtime's level 'all' is not supported: its
// com.microsoft.nchwc operators (ReorderInput, ReorderOutput, Conv and the
// pools on NCHWc blocks) depend on the vector width of the machine that
// optimized the graph.
//
// The float math runs on simdcore's kernels: Gemm (and Gemv through it)
// for MatMul and Gemm, kernel.Conv for Conv, package rnn (Net.ForwardInto)
// for the recurrent layers, Add and Mul where neither operand is broadcast,
// ReLU, Sigmoid, Tanh, Exp, Softmax, LogSoftmax and Sum, LayerNorm for
// LayerNormalization, GELU and GELUTanh for Gelu. The chains torch.onnx.export
// writes for nn.LayerNorm below opset 17 (ReduceMean, Sub, Pow, ReduceMean,
// Add, Sqrt, Div, Mul, Add), for GELU below opset 20 (erf and tanh
// forms) and for SiLU (Mul(x, Sigmoid(x))) are planned as one
// LayerNormalization, Gelu or kernel.SiLU node each, when no
// value inside the chain is read elsewhere; a chain whose shapes the fused
// operator does not take runs as written. Values are FLOAT,
// FLOAT16, the integer types (INT64 and INT32 for shape arithmetic) and
// BOOL.
//
// FLOAT16 values (models converted to half precision, with FLOAT16 or
// FLOAT inputs and outputs) are held in Tensor.Float as float32s that are
// halves. Every operator that takes FLOAT takes FLOAT16 and computes in
// float32, as ONNX Runtime's CPU provider runs an operator it has no half
// kernel for; the node's FLOAT16 outputs are rounded to half once it has
// run (to nearest even, beyond 65504 to ±Inf, subnormals kept, a NaN to
// the quiet half NaN of its sign and its payload's leading bits, as
// ONNX Runtime's Cast to FLOAT16). A FLOAT16 graph input takes float32
// values in Session.Input's Float, which Run rounds to half in place.
// FLOAT16 and FLOAT do not mix where ONNX gives them one type (an Add of
// the two is refused), and chains that would be fused are planned node by
// node. Every FLOAT16 value is a half here, also
// between two nodes that ONNX Runtime runs in float32 without rounding in
// between: on the converted models of testdata/onnx/fp16 (a keyword
// spotter, a GRU, an LSTM, transformer encoder layers, an MLP;
// scripts/fp16_crosscheck) ONNX Runtime's outputs are within two half
// spacings of the output's magnitude, and, run one node per session,
// equal but for one or two GRU elements a rounding apart.
//
// Anything else is refused while planning with ErrUnsupported, naming the
// operator, the node and the opset: operators outside the list and other
// domains, other data types (BFLOAT16 but for a Cast from it, DOUBLE,
// STRING tensors flowing through the graph), attribute values not implemented, and shapes or
// axes that depend on input values rather than input shapes
// (ErrValueDependent; fix such inputs with Options.Fixed). Shapes that do
// not agree give ErrShape, tensors beyond Options.MaxElements ErrLimit, and
// input values an operator cannot take at run time (an index out of range)
// ErrInput.
//
// # Conformance
//
// CheckDataSet runs a model on a data set in ONNX's test layout and
// compares each output with Compare at the backend tests' tolerance
// (TestRTol, TestATol); "simdcore onnx check MODEL.onnx [DIR…]" is its
// command. The package's tests run every ONNX backend node test whose
// operators are all in the list above (Debian's libonnx-testdata, and a
// committed selection under testdata/node), and the PyTorch-converted and
// simple model tests beside them: each passes, or is refused for a data
// type. They also run torch.onnx.export's files of recurrent, convolutional
// and attention models and of nn.TransformerEncoder, TransformerDecoderLayer,
// TransformerDecoder and Transformer (opset 14: LayerNorm as ReduceMean, Sub,
// Pow, Sqrt and Div, GELU through Erf or Tanh, causal masks through Trilu
// or given, key padding through Where), and exports with symbolic sizes
// (learned, sinusoidal and rotary positions, a Conformer convolution, a
// dilated TCN, a convolutional-recurrent keyword spotter, an upsampling
// block, TopK, Resize, IsInf; against a float64 run of them) and
// torch.jit.script'ed modules with loops (for and while loops, lists
// built and stacked) and with Optional[Tensor] values (an argument given
// or None, a local set in one branch) against
// torch's outputs to 1e-5 relative
// (the module's testdata/onnx/torch, written by
// scripts/export_torch_onnx.py, scripts/export_torch_loops.py and
// scripts/export_torch_optional.py). FuzzNode plans and runs single nodes of
// every operator from fuzzed shapes, values and attributes.
package onnx
