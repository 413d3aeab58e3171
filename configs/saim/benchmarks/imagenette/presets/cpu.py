# The CPU preset of the Imagenette representation benchmark: the configs as they are (their
# values are in ../_base_/preset.py).
#
# A preset sets `device`, the device it is meant for, and `cfg_options`: for each config of
# the benchmark, the --cfg-options that make it the preset's (a config it does not name runs
# as it is). tools/analysis/representation_benchmark.py --preset NAME adds them to the
# command of every run it makes, and logs each command whole.
device = 'cpu'
cfg_options = {}
