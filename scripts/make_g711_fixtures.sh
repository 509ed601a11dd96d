#!/usr/bin/env bash
# Makes testdata/vad/g711_{mulaw,alaw}.wav, every one of the 256 codes of
# 8-bit µ-law and A-law once (8 kHz mono, codes 0..255 in order), and
# g711_{mulaw,alaw}_sox16.wav, the same decoded to 16-bit PCM by Debian's
# sox: vad's TestReadWAVG711 checks ReadWAV's decoding against sox's, code
# by code. The tests use the committed files, not this script.
#
# Usage: scripts/make_g711_fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import struct
def wav(path, tag):
    data = bytes(range(256))
    fmt = struct.pack('<HHIIHH', tag, 1, 8000, 8000, 1, 8)
    body = b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt + b'data' + struct.pack('<I', len(data)) + data
    open(path, 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)
wav('testdata/vad/g711_mulaw.wav', 7)
wav('testdata/vad/g711_alaw.wav', 6)
PY
for law in mulaw alaw; do
  sox "testdata/vad/g711_$law.wav" -e signed-integer -b 16 "testdata/vad/g711_${law}_sox16.wav"
done
