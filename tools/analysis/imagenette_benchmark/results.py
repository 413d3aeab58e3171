"""The results file of a benchmark work dir, ``WORK_DIR/results.json``: the settings its
runs share and one record per row, written after every stage."""
import json
import os.path as osp

from mmsaim.fileio import replace_file_atomically
from mmsaim.runner import ConfigError


def data_summary(data_root: str) -> dict:
    """Images per split and the number of classes, from the annotation files."""
    counts = {}
    for split in ('train', 'val'):
        ann_file = osp.join(data_root, 'meta', f'{split}.txt')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'--data-root {data_root}: no meta/{split}.txt; give an '
                                    'ImageNet-style folder with meta/{train,val}.txt ("path '
                                    'label" lines)')
        with open(ann_file) as f:
            counts[split] = [int(line.split()[-1]) for line in f if line.strip()]
    classes_file = osp.join(data_root, 'meta', 'classes.txt')
    if osp.isfile(classes_file):
        with open(classes_file) as f:
            classes = sum(1 for line in f if line.strip())
    else:
        classes = max(counts['train']) + 1
    return dict(train=len(counts['train']), val=len(counts['val']), classes=classes)


class ResultsStore:
    """``results.json`` of a work dir: ``settings`` (the preset's values, the seed, the
    data) and ``methods``, row -> its record (``name``, then one entry per stage:
    ``pretrain`` and each evaluation).

    Args:
        results_file (str): the file; read when it exists.
        settings (dict): the settings of this run of the benchmark.

    Raises:
        ConfigError: the file holds results of other settings.
    """

    def __init__(self, results_file: str, settings: dict):
        self.results_file = results_file
        settings = json.loads(json.dumps(settings))  # as the file holds them
        self.results = dict(settings=settings, methods={})
        if osp.isfile(results_file):
            with open(results_file) as f:
                self.results = json.load(f)
        recorded = self.results['settings']
        if recorded != settings:
            differ = {key: (recorded.get(key), value) for key, value in settings.items()
                      if recorded.get(key) != value}
            raise ConfigError(f'{results_file} holds results of other settings '
                              f'(recorded, now): {differ}. Use another --work-dir.')

    def record(self, method: str, name: str) -> dict:
        """The record of row ``method`` (``name``: its name in the tables), new if none."""
        return self.results['methods'].setdefault(method, dict(name=name))

    def save(self) -> None:
        replace_file_atomically(self.results_file,
                                json.dumps(self.results, indent=1).encode())
