# The preset that every config of the benchmark reads: ./presets/cpu.py, or the file named by
# the environment variable SAIM_BENCHMARK_PRESET (absolute, or relative to this folder):
#   SAIM_BENCHMARK_PRESET=./presets/cuda.py python tools/train.py CONFIG
_base_ = ['{{$SAIM_BENCHMARK_PRESET:./presets/cpu.py}}']
