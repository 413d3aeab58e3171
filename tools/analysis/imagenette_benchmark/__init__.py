"""The parts of ``tools/analysis/representation_benchmark.py``, the Imagenette benchmark's
driver: the configs and presets (:mod:`.presets`), the rows and evaluations (:mod:`.rows`),
running a stage as one ``tools/train.py`` / ``tools/test.py`` command (:mod:`.stages`), the
results file (:mod:`.results`) and the Markdown tables (:mod:`.tables`)."""
