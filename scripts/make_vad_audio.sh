#!/usr/bin/env bash
# Makes testdata/vad/speech16k.wav, synthetic speech with silences and noise
# for the vad package's tests (16 kHz mono PCM16, 27.3 s), and speech8k.wav,
# the same resampled to 8 kHz.
#
# Debian's espeak-ng speaks each phrase to WAV (two voices, two speeds) and
# sox resamples it to 16 kHz, lays the phrases out between gaps of silence
# (long gaps, a short one of 0.25 s that a VAD should bridge, and a stretch
# of loud pink noise with no speech), and mixes brown noise under the whole
# recording. sox runs in repeatable mode (-R), so the same tools give the
# same file; the tests use the committed file, not this script.
#
# Usage: scripts/make_vad_audio.sh [OUT.wav]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-testdata/vad/speech16k.wav}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fmt=(-R -r 16000 -c 1 -b 16 -e signed-integer)

n=0
next() { n=$((n + 1)); part=$(printf '%s/%02d.wav' "$tmp" "$n"); }
silence() { next; sox -n "${fmt[@]}" "$part" trim 0 "$1"; }
say() { # voice speed text; peaks at -3 dBFS
  next
  espeak-ng -v "$1" -s "$2" -w "$tmp/say.wav" "$3"
  sox -R "$tmp/say.wav" "${fmt[@]}" "$part" gain -6 rate -v 16000 gain -n -3
}
noise() { next; sox -n "${fmt[@]}" "$part" synth "$1" pinknoise vol "$2"; }

silence 1.2
say en 160 "Voice activity detection finds the parts of a recording where someone speaks."
silence 1.5
say en-us 140 "The detector reads the audio in chunks of thirty two milliseconds."
silence 0.25
say en-us 140 "A short pause should not split the speech."
silence 2.0
noise 1.5 0.05
silence 1.0
say en 180 "Noise alone is not speech."
silence 1.8
say en-us 150 "One. Two. Three."
silence 1.5

sox "$tmp"/[0-9]*.wav "${fmt[@]}" "$tmp/speech.wav"
len=$(soxi -D "$tmp/speech.wav")
sox -n "${fmt[@]}" "$tmp/bg.wav" synth "$len" brownnoise vol 0.01
mkdir -p "$(dirname "$out")"
sox -R -m -v 1 "$tmp/speech.wav" -v 1 "$tmp/bg.wav" "${fmt[@]}" "$out"
soxi "$out"

# The same recording at 8 kHz, for the models' 8 kHz branch.
out8=${out%16k.wav}8k.wav
if [ "$out8" != "$out" ]; then
  sox -R "$out" "${fmt[@]/16000/8000}" "$out8" rate -v 8000
  soxi "$out8"
fi
