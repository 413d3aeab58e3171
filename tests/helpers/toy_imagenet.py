"""A tiny ImageNet-style folder written by the tests: two classes told apart by colour."""
import numpy as np
from PIL import Image


def write_toy_imagenet(root, train_per_class=12, val_per_class=6, size=(40, 44), seed=0):
    """``root/{train,val}/<class>/*.png`` and ``root/meta/{train,val,classes}.txt``.

    Class 0 (``red``) images are reddish, class 1 (``blue``) bluish, each with its own
    random texture, so any sensible feature separates them. Returns ``root``.
    """
    rng = np.random.default_rng(seed)
    classes = ['red', 'blue']
    (root / 'meta').mkdir(parents=True)
    (root / 'meta' / 'classes.txt').write_text('\n'.join(classes) + '\n')
    for split, count in (('train', train_per_class), ('val', val_per_class)):
        lines = []
        for label, name in enumerate(classes):
            (root / split / name).mkdir(parents=True)
            for i in range(count):
                img = rng.uniform(0, 90, (*size, 3))
                img[..., 0 if label == 0 else 2] += 150  # RGB
                Image.fromarray(img.astype(np.uint8)).save(root / split / name / f'{i}.png')
                lines.append(f'{name}/{i}.png {label}')
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return root
